#!/usr/bin/env bash
# Starts a local Kubernetes cluster built from source with ml-apiserver
# aggregated into it, on loopback ports, and returns once
# `kubectl get ml` works through kube-apiserver. Everything runs as
# background processes; hack/local-down.sh stops them.
#
#   hack/local-up.sh                  start (says so and does nothing when already up)
#   hack/local-up.sh restart NAME     restart one process with the same command line
#   hack/local-up.sh stop|start NAME  stop or start one process (e.g. etcd, for failure tests)
#
# Processes (NAME): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok (2 fake nodes with 8 nvidia.com/gpu each) and
# ml-apiserver (aggregated mode, delegated authn/authz, running as the
# ServiceAccount ml-system/ml-apiserver with the RBAC of artifacts/deploy),
# plus ml-apiserver-2 ... with ML_APISERVER_REPLICAS. With several replicas,
# stop and restart of one first mark its endpoint not ready (as a kubelet
# does for a pod being deleted), and start marks it ready once it is.
#
# State lives in LOCAL_UP_DIR (default _output/local-up) and is recreated on
# every start: kubeconfig (admin), local-up.env (URLs and ports, for
# sourcing), pki/, kubeconfigs/, logs/NAME.log, pids/NAME.pid, run/NAME.sh
# (each process's exact command line).
#
# Environment: LOCAL_UP_DIR, TOOLS_BIN (where `make tools` put the control
# plane, default _output/bin), KUBECTL, KWOK_NODES (default 2),
# KUBE_VERBOSITY, ML_VERBOSITY, ML_APISERVER_TOKEN_DURATION (default 24h),
# ML_APISERVER_REPLICAS (default 1: ml-apiserver processes behind the
# APIService's Service, same etcd; see hack/lib/ml-apiserver.sh),
# ML_APISERVER_HOST (the address several replicas listen on; default the
# host's first non-loopback IPv4 address), KUBE_CONTROLLER_MANAGER_FLAGS
# (more flags of kube-controller-manager, split at spaces).
set -euo pipefail

LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
# shellcheck source=hack/lib/common.sh
source "${LIB}/common.sh"
# shellcheck source=hack/lib/pki.sh
source "${LIB}/pki.sh"
# shellcheck source=hack/lib/cluster.sh
source "${LIB}/cluster.sh"
# shellcheck source=hack/lib/ml-apiserver.sh
source "${LIB}/ml-apiserver.sh"

# CURRENT names the process being started, whose log is shown on failure.
CURRENT=""
STARTED=0

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

check_prerequisites() {
  local missing=() cmd
  for cmd in openssl curl base64 setsid flock "${KUBECTL}" "${GO}"; do
    command -v "${cmd}" >/dev/null 2>&1 || missing+=("${cmd}")
  done
  if ((${#missing[@]} > 0)); then
    log::error "missing commands: ${missing[*]}"
    return 1
  fi
}

# build makes the binaries: the pinned control plane (hack/build-tools.sh
# skips what is up to date), our etcd and ml-apiserver.
build() {
  CURRENT=""
  log::info "building the control plane into ${TOOLS_BIN} (hack/build-tools.sh; a cold build takes several minutes)"
  TOOLS_BIN="${TOOLS_BIN}" "${ROOT}/hack/build-tools.sh" >&2
  log::info "building etcd and ml-apiserver into ${BIN_DIR}"
  (cd "${ROOT}" && "${GO}" build -o "${BIN_DIR}/etcd" ./hack/etcd && "${GO}" build -o "${BIN_DIR}/ml-apiserver" ./cmd/ml-apiserver)
}

# reset_state removes what a previous run left, and only that: LOCAL_UP_DIR
# may be a directory of the user's.
reset_state() {
  local p
  for p in etcd ml-apiserver ml-apiserver-{2..9} pki kubeconfigs run pids logs pod-logs kube-cache kubeconfig kwok.yaml local-up.env; do
    rm -rf "${LOCAL_UP_DIR:?}/${p}"
  done
  mkdir -p "${LOCAL_UP_DIR}" "${KUBECONFIG_DIR}" "${LOG_DIR}" "${PID_DIR}" "${RUN_DIR}"
}

write_env() {
  {
    echo "# Written by hack/local-up.sh: the local cluster's addresses. Source it."
    printf 'export KUBECONFIG=%q\n' "${ADMIN_KUBECONFIG}"
    printf 'LOCAL_UP_DIR=%q\n' "${LOCAL_UP_DIR}"
    printf 'ETCD_URL=%q\n' "${ETCD_URL}"
    printf 'KUBE_APISERVER_URL=%q\n' "${KUBE_APISERVER_URL}"
    printf 'KUBE_CA_FILE=%q\n' "${PKI_DIR}/ca.crt"
    printf 'ML_APISERVER_URL=%q\n' "https://${ML_APISERVER_HOST}:${ML_APISERVER_PORT}"
    printf 'ML_APISERVER_REPLICAS=%q\n' "${ML_APISERVER_REPLICAS}"
    printf 'ML_APISERVER_URLS=%q\n' "$(mlapi::urls)"
    printf 'ML_APISERVER_CA_FILE=%q\n' "${PKI_DIR}/ml-apiserver-ca.crt"
    printf 'ML_APISERVER_KUBECONFIG=%q\n' "${ML_APISERVER_KUBECONFIG}"
    printf 'ML_APISERVER_ETCD_PREFIX=%q\n' "${ML_APISERVER_ETCD_PREFIX}"
    printf 'KWOK_NODES=%q\n' "${KWOK_NODES}"
  } >"${ENV_FILE}"
}

# on_exit stops everything this run started unless it came up completely,
# after showing the end of the failing process's log.
on_exit() {
  local rc=$?
  if ((rc != 0 && STARTED == 0)); then
    log::error "local-up failed${CURRENT:+ while starting ${CURRENT}}"
    if [[ -n "${CURRENT}" ]]; then proc::log_tail "${CURRENT}"; fi
    proc::stop_all
    log::error "stopped what was started; logs are kept in ${LOG_DIR}"
  fi
  exit "${rc}"
}

# step NAME FUNC runs FUNC to start the process NAME.
step() {
  CURRENT="$1"
  "$2"
  CURRENT=""
}

up() {
  local running start=${SECONDS}
  check_prerequisites
  mlapi::check_replicas
  # One local-up at a time per LOCAL_UP_DIR.
  mkdir -p "${LOCAL_UP_DIR}"
  exec 9>"${LOCAL_UP_DIR}/.lock"
  if ! flock -n 9; then
    log::error "another hack/local-up.sh is running for ${LOCAL_UP_DIR}"
    return 1
  fi
  # COMPONENTS are those of the last start (common.sh) until this one.
  running="$(proc::running | tr '\n' ' ')"
  running="${running% }"
  if [[ -n "${running}" && "${running}" == "${COMPONENTS[*]}" ]]; then
    log::info "the local cluster is already up (${LOCAL_UP_DIR}); hack/local-down.sh stops it"
    echo "export KUBECONFIG=${ADMIN_KUBECONFIG}"
    return 0
  fi
  if [[ -n "${running}" ]]; then
    log::error "a local cluster is partly running in ${LOCAL_UP_DIR} (${running}); run hack/local-down.sh first"
    return 1
  fi
  components::set "${ML_APISERVER_REPLICAS}"
  trap on_exit EXIT
  trap 'exit 130' INT TERM
  build
  local build_done=${SECONDS}
  reset_state
  log::info "creating certificates in ${PKI_DIR}"
  pki::create
  cluster::ports
  step etcd cluster::start_etcd
  step kube-apiserver cluster::start_kube_apiserver
  step kube-controller-manager cluster::start_kube_controller_manager
  step kube-scheduler cluster::start_kube_scheduler
  step kwok cluster::start_kwok
  step ml-apiserver mlapi::start
  write_env
  STARTED=1
  log::info "up in $((SECONDS - build_done))s (plus $((build_done - start))s of building)"
  cat >&2 <<EOF

Local cluster with ml-apiserver aggregated (state in ${LOCAL_UP_DIR}):
  kube-apiserver  ${KUBE_APISERVER_URL}
  ml-apiserver    $(mlapi::urls) (APIService v1alpha1.ml.example.io Available)
  etcd            ${ETCD_URL} (ml-apiserver under ${ML_APISERVER_ETCD_PREFIX})
  nodes           ${KWOK_NODES} kwok nodes with 8 nvidia.com/gpu each
  logs            ${LOG_DIR}

  export KUBECONFIG=${ADMIN_KUBECONFIG}
  kubectl api-resources --api-group=ml.example.io
  kubectl apply -f artifacts/examples/ && kubectl get ml -A

Stop it with: make local-down
EOF
}

# relaunch NAME starts one stopped process again from its run/NAME.sh.
relaunch() {
  local name="$1"
  [[ -x "${RUN_DIR}/${name}.sh" ]] || { log::error "no ${RUN_DIR}/${name}.sh: is the local cluster up?"; return 1; }
  if proc::alive "${name}"; then
    log::info "${name} is already running"
    return 0
  fi
  log::info "starting ${name}"
  proc::launch "${name}"
  if mlapi::has_endpoint "${name}"; then
    mlapi::wait_ready "${name}"
    log::info "marking the endpoint of ${name} ready"
    mlapi::set_ready "${name}" true
  fi
}

# halt NAME stops one process; a replica listed in an EndpointSlice is
# marked not ready first, so the aggregator sends it no new requests.
halt() {
  local name="$1"
  if mlapi::has_endpoint "${name}" && proc::alive kube-apiserver; then
    log::info "marking the endpoint of ${name} not ready"
    mlapi::set_ready "${name}" false
    # The aggregator's EndpointSlice informer sees it within milliseconds;
    # requests it already sent finish or end with the process.
    sleep 1
  fi
  proc::stop "${name}"
}

main() {
  case "${1:-}" in
    "") up ;;
    -h | --help) usage ;;
    stop | start | restart)
      [[ $# -eq 2 && " ${COMPONENTS[*]} " == *" $2 "* ]] || {
        log::error "usage: $0 $1 {${COMPONENTS[*]}}"
        return 2
      }
      if [[ "$1" != start ]]; then halt "$2"; fi
      if [[ "$1" != stop ]]; then relaunch "$2"; fi
      ;;
    *)
      usage >&2
      return 2
      ;;
  esac
}

main "$@"
