#!/usr/bin/env bash
# Builds the pinned test control plane from source: kube-apiserver,
# kube-controller-manager, kube-scheduler (k8s.io/kubernetes) and kwok
# (sigs.k8s.io/kwok), at the versions required by hack/tools/go.mod, and the
# S3-compatible object store of the artifact-store tests, weed
# (github.com/seaweedfs/seaweedfs), at the version required by its own module
# hack/tools/seaweedfs/go.mod (its dependencies never mix with Kubernetes').
#
#   hack/build-tools.sh                      # all five, into ${TOOLS_BIN:-_output/bin}
#   hack/build-tools.sh kube-apiserver kwok  # only these
#   FORCE=1 hack/build-tools.sh              # rebuild even when up to date
#   DBG=1 hack/build-tools.sh                # keep symbols and DWARF (for dlv)
#
# Each binary gets a stamp file next to it (<name>.stamp) recording the module
# version, a hash of hack/tools/go.mod and go.sum, the Go toolchain and the
# linker flags; a binary whose stamp matches is not rebuilt. A cold build takes
# several minutes per Kubernetes binary on 2 cores, so the Kubernetes binaries
# are built one at a time; weed (13+ minutes cold) builds in parallel with them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${ROOT}/hack/tools"
GO="${GO:-go}"

TOOLS_BIN="${TOOLS_BIN:-_output/bin}"
case "${TOOLS_BIN}" in
  /*) ;;
  *) TOOLS_BIN="${ROOT}/${TOOLS_BIN}" ;;
esac
mkdir -p "${TOOLS_BIN}"

# The tools module stands alone: no workspace, go.sum must already be complete,
# static binaries like upstream's release builds.
export GOWORK=off
export GOFLAGS="${GOFLAGS:+${GOFLAGS} }-mod=readonly"
export CGO_ENABLED="${CGO_ENABLED:-0}"

ALL_TOOLS=(kube-apiserver kube-controller-manager kube-scheduler kwok weed)

pkg_of() {
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler) echo "k8s.io/kubernetes/cmd/$1" ;;
    kwok) echo "sigs.k8s.io/kwok/cmd/kwok" ;;
    weed) echo "github.com/seaweedfs/seaweedfs/weed" ;;
    *) echo "unknown tool '$1' (known: ${ALL_TOOLS[*]})" >&2; return 1 ;;
  esac
}

mod_of() {
  case "$1" in
    kwok) echo "sigs.k8s.io/kwok" ;;
    weed) echo "github.com/seaweedfs/seaweedfs" ;;
    *) echo "k8s.io/kubernetes" ;;
  esac
}

# The module directory a tool is built in.
dir_of() {
  case "$1" in
    weed) echo "${TOOLS_DIR}/seaweedfs" ;;
    *) echo "${TOOLS_DIR}" ;;
  esac
}

mod_version() {
  (cd "${2:-${TOOLS_DIR}}" && "${GO}" list -m -f '{{.Version}}' "$1")
}

KUBE_VERSION="$(mod_version k8s.io/kubernetes)"   # e.g. v1.37.2
KWOK_VERSION="$(mod_version sigs.k8s.io/kwok)"    # e.g. v0.8.0
if [[ ! "${KUBE_VERSION}" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+ ]]; then
  echo "unexpected k8s.io/kubernetes version '${KUBE_VERSION}'" >&2
  exit 1
fi
KUBE_MAJOR="${BASH_REMATCH[1]}"
KUBE_MINOR="${BASH_REMATCH[2]}"

# What clients (kubectl version, discovery /version) see. client-go carries the
# same variables for its user agent and version checks.
LDFLAGS=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${p}.gitVersion=${KUBE_VERSION}"
  LDFLAGS+=" -X ${p}.gitMajor=${KUBE_MAJOR}"
  LDFLAGS+=" -X ${p}.gitMinor=${KUBE_MINOR}"
  LDFLAGS+=" -X ${p}.gitTreeState=clean"
done
# kwok's own version and the Kubernetes version it is paired with.
LDFLAGS+=" -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
LDFLAGS+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBE_VERSION#v}"
# Without symbol table and DWARF, as upstream release builds (DBG=1 keeps them):
# a third smaller and links faster; panics still print full stack traces.
if [[ "${DBG:-}" != 1 ]]; then
  LDFLAGS+=" -s -w"
fi
LDFLAGS="${LDFLAGS# }"

sha() { sha256sum | cut -d' ' -f1; }
sum_hash() { cat "$1/go.mod" "$1/go.sum" | sha; }
GO_VERSION="$("${GO}" env GOVERSION)"
LDFLAGS_HASH="$(printf '%s' "${LDFLAGS}" | sha)"

stamp_of() {
  local name="$1" dir
  dir="$(dir_of "${name}")"
  printf 'tool=%s\nmodule=%s\nversion=%s\ngo.sum=%s\ngo=%s\nldflags=%s\ncgo=%s\n' \
    "${name}" "$(mod_of "${name}")" "$(mod_version "$(mod_of "${name}")" "${dir}")" \
    "$(sum_hash "${dir}")" "${GO_VERSION}" "${LDFLAGS_HASH}" "${CGO_ENABLED}"
}

build_one() {
  local name="$1" pkg dir out stampfile want start
  pkg="$(pkg_of "${name}")"
  dir="$(dir_of "${name}")"
  out="${TOOLS_BIN}/${name}"
  stampfile="${out}.stamp"
  want="$(stamp_of "${name}")"
  if [[ -z "${FORCE:-}" && -x "${out}" && -f "${stampfile}" && "$(cat "${stampfile}")" == "${want}" ]]; then
    echo "${name}: up to date ($(sed -n 's/^version=//p' "${stampfile}")) in ${out}"
    return 0
  fi
  echo "${name}: building ${pkg}@$(mod_version "$(mod_of "${name}")" "${dir}") ..."
  start=${SECONDS}
  rm -f "${stampfile}"
  # Explicit returns: build_one also runs where errexit does not apply.
  (cd "${dir}" && "${GO}" build -trimpath -ldflags "${LDFLAGS}" -o "${out}.tmp" "${pkg}") || return 1
  mv -f "${out}.tmp" "${out}" || return 1
  printf '%s\n' "${want}" >"${stampfile}" || return 1
  echo "${name}: built in $((SECONDS - start))s -> ${out}"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then
  tools=("${ALL_TOOLS[@]}")
fi
for t in "${tools[@]}"; do
  pkg_of "${t}" >/dev/null
done
# weed builds in the background while the Kubernetes binaries build one at a
# time; the script fails when either fails.
weed_pid=""
serial=()
for t in "${tools[@]}"; do
  if [[ "${t}" == weed ]]; then
    build_one weed &
    weed_pid=$!
  else
    serial+=("${t}")
  fi
done
status=0
for t in "${serial[@]}"; do
  build_one "${t}" || { status=$?; break; }
done
if [[ -n "${weed_pid}" ]]; then
  wait "${weed_pid}" || status=$?
fi
exit "${status}"
