#!/usr/bin/env bash
# shellcheck disable=SC2034 # its variables are used by the scripts that source it
# Shared by hack/local-up.sh and hack/local-down.sh: paths, logging, free
# ports and the background processes of the local cluster.
#
# Every process of the cluster has a name (etcd, kube-apiserver, ...) and
# three files under LOCAL_UP_DIR:
#   run/NAME.sh     its exact command line; running it (re)starts the process
#   pids/NAME.pid   the pid it runs as
#   logs/NAME.log   its stdout and stderr
# so a test can read the logs, signal or restart any one of them.

# ROOT is the repository; LOCAL_UP_DIR holds all state of the local cluster.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL_UP_DIR="${LOCAL_UP_DIR:-_output/local-up}"
case "${LOCAL_UP_DIR}" in
  /*) ;;
  *) LOCAL_UP_DIR="${ROOT}/${LOCAL_UP_DIR}" ;;
esac
BIN_DIR="${ROOT}/_output/bin"
TOOLS_BIN="${TOOLS_BIN:-${BIN_DIR}}"
case "${TOOLS_BIN}" in
  /*) ;;
  *) TOOLS_BIN="${ROOT}/${TOOLS_BIN}" ;;
esac
KUBECTL="${KUBECTL:-kubectl}"
GO="${GO:-go}"

RUN_DIR="${LOCAL_UP_DIR}/run"
PID_DIR="${LOCAL_UP_DIR}/pids"
LOG_DIR="${LOCAL_UP_DIR}/logs"
PKI_DIR="${LOCAL_UP_DIR}/pki"
KUBECONFIG_DIR="${LOCAL_UP_DIR}/kubeconfigs"
ADMIN_KUBECONFIG="${LOCAL_UP_DIR}/kubeconfig"
ENV_FILE="${LOCAL_UP_DIR}/local-up.env"

# components::set N sets COMPONENTS (in start order) and STOP_ORDER for N
# ml-apiserver replicas: the first is named ml-apiserver, the others
# ml-apiserver-2, ml-apiserver-3, ... STOP_ORDER stops the clients first, so
# that no watch they hold (through the aggregator too) keeps a server's
# graceful shutdown waiting; the servers after, etcd last.
components::set() {
  local n="$1" i replicas=(ml-apiserver)
  for ((i = 2; i <= n; i++)); do replicas+=("ml-apiserver-${i}"); done
  COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok "${replicas[@]}")
  STOP_ORDER=(kwok kube-scheduler kube-controller-manager "${replicas[@]}" kube-apiserver etcd)
}

# components::started_replicas prints how many ml-apiserver replicas the
# last start of LOCAL_UP_DIR wrote a run/ script for (at least 1).
components::started_replicas() {
  local n=1 f
  for f in "${RUN_DIR}"/ml-apiserver-[0-9]*.sh; do
    if [[ -e "${f}" ]]; then n=$((n + 1)); fi
  done
  echo "${n}"
}

# Scripts that act on a running cluster (local-down.sh, local-up.sh
# stop|start|restart) know its replicas from run/; local-up.sh's start
# sets them from ML_APISERVER_REPLICAS.
components::set "$(components::started_replicas)"

log::info() { printf '%s local-up: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
log::error() { printf '%s local-up: ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# util::free_port VAR sets VAR to a loopback TCP port that nothing listens on
# and that was not handed out before in this shell. Ports are picked below
# Linux's ephemeral range (32768+), so an outgoing connection cannot take one
# between the pick and the process binding it.
USED_PORTS=" "
util::free_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12000))
    [[ "${USED_PORTS}" == *" ${port} "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      USED_PORTS+="${port} "
      printf -v "$1" '%s' "${port}"
      return 0
    fi
  done
  log::error "no free port found"
  return 1
}

# util::wait_for DESCRIPTION TIMEOUT_SECONDS PROCESS CMD... runs CMD every
# second until it succeeds. It fails when the timeout passes or when PROCESS
# (a component name, or "" for none) has exited meanwhile.
util::wait_for() {
  local what="$1" timeout="$2" name="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "${name}" ]] && ! proc::alive "${name}"; then
      log::error "${name} exited while waiting for ${what}"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log::error "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 1
  done
}

# proc::pid NAME prints the recorded pid of a component, if any.
proc::pid() {
  local f="${PID_DIR}/$1.pid"
  [[ -s "${f}" ]] && cat "${f}"
}

# proc::alive NAME succeeds when the recorded pid of the component runs and
# is still that component's program (a recycled pid is not).
proc::alive() {
  local name="$1" pid bin
  pid="$(proc::pid "${name}")" || return 1
  [[ -r "/proc/${pid}/cmdline" ]] || return 1
  bin="$(tr '\0' '\n' <"/proc/${pid}/cmdline" | head -n1)"
  [[ "$(basename -- "${bin}")" == "$(proc::program "${name}")" ]]
}

# proc::program NAME is the program a component runs: a replica
# ml-apiserver-N runs ml-apiserver.
proc::program() {
  if [[ "$1" =~ ^(ml-apiserver)-[0-9]+$ ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo "$1"
  fi
}

# proc::start NAME BINARY ARGS... writes run/NAME.sh with the exact command
# line and starts it in its own session, detached from this shell, so it
# keeps running after local-up.sh returns. The script records its pid.
proc::start() {
  local name="$1"
  shift
  mkdir -p "${RUN_DIR}" "${PID_DIR}" "${LOG_DIR}"
  {
    printf '#!/usr/bin/env bash\n'
    printf '# Written by hack/local-up.sh: (re)starts %s of the local cluster.\n' "${name}"
    printf 'echo $$ >%q\n' "${PID_DIR}/${name}.pid"
    printf 'exec'
    printf ' %q' "$@"
    printf ' >>%q 2>&1 </dev/null\n' "${LOG_DIR}/${name}.log"
  } >"${RUN_DIR}/${name}.sh"
  chmod +x "${RUN_DIR}/${name}.sh"
  log::info "starting ${name} (log: ${LOG_DIR}/${name}.log)"
  proc::launch "${name}"
}

# proc::launch NAME runs run/NAME.sh in a session of its own, detached from
# this shell, and waits until the process runs its program.
proc::launch() {
  local name="$1" i
  rm -f "${PID_DIR}/${name}.pid"
  # fd 9 is local-up's lock: the cluster must not hold it.
  setsid nohup "${RUN_DIR}/${name}.sh" >/dev/null 2>&1 </dev/null 9>&- &
  for ((i = 0; i < 50; i++)); do
    proc::alive "${name}" && return 0
    sleep 0.1
  done
  log::error "${name} did not start"
  return 1
}

# proc::stop NAME stops a component: SIGTERM, up to STOP_TIMEOUT seconds
# (default 15) for it to exit, then SIGKILL. Only the recorded pid is
# signalled, and only while it still runs the component's program.
proc::stop() {
  local name="$1" pid i
  if ! proc::alive "${name}"; then
    rm -f "${PID_DIR}/${name}.pid"
    return 0
  fi
  pid="$(proc::pid "${name}")"
  log::info "stopping ${name} (pid ${pid})"
  kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < ${STOP_TIMEOUT:-15} * 10; i++)); do
    proc::alive "${name}" || break
    sleep 0.1
  done
  if proc::alive "${name}"; then
    log::info "${name} (pid ${pid}) did not exit after SIGTERM, sending SIGKILL"
    kill -KILL "${pid}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      proc::alive "${name}" || break
      sleep 0.1
    done
  fi
  rm -f "${PID_DIR}/${name}.pid"
}

# proc::stop_all stops every component that runs, in STOP_ORDER.
proc::stop_all() {
  local name
  for name in "${STOP_ORDER[@]}"; do
    proc::stop "${name}"
  done
}

# proc::running prints the components that run, one a line.
proc::running() {
  local name
  for name in "${COMPONENTS[@]}"; do
    if proc::alive "${name}"; then echo "${name}"; fi
  done
}

# proc::log_tail NAME prints the end of a component's log.
proc::log_tail() {
  local f="${LOG_DIR}/$1.log"
  [[ -f "${f}" ]] || return 0
  echo "----- last ${LOG_TAIL_LINES:-40} lines of ${f} -----" >&2
  tail -n "${LOG_TAIL_LINES:-40}" "${f}" >&2
  echo "-----" >&2
}

# kctl runs kubectl as the cluster admin, with a discovery cache of its own.
kctl() {
  "${KUBECTL}" --kubeconfig "${ADMIN_KUBECONFIG}" --cache-dir "${LOCAL_UP_DIR}/kube-cache" "$@"
}
