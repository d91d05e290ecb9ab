#!/usr/bin/env bash
# The version stamp of the binaries: `kubectl ml version` (and the user
# agent) read component-base's and client-go's version variables, which
# version::ldflags sets. Sourced by hack/release-plugin.sh; the Makefile
# calls `hack/lib/version.sh ldflags` for development builds.

# version::default is the newest v* tag reachable from HEAD (with the
# commits since, as git describe writes it), or v0.0.0-<commit> without one.
version::default() {
  git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null ||
    echo "v0.0.0-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

# version::ldflags VERSION prints the -X flags that stamp VERSION, the
# commit, the tree state and the commit's date (reproducible builds).
version::ldflags() {
  local version=$1 major=0 minor=0 commit tree=clean epoch date flags="" p
  if [[ ${version} =~ ^v([0-9]+)\.([0-9]+)\. ]]; then
    major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  fi
  commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  # The manifest that hack/release-plugin.sh writes does not make the tree dirty.
  if [[ -n $(git status --porcelain -- . ':!artifacts/krew/ml.yaml' 2>/dev/null) ]]; then
    tree=dirty
  fi
  epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
  date=$(date -u -d "@${epoch}" +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${p}.gitVersion=${version} -X ${p}.gitMajor=${major} -X ${p}.gitMinor=${minor}"
    flags+=" -X ${p}.gitCommit=${commit} -X ${p}.gitTreeState=${tree} -X ${p}.buildDate=${date}"
  done
  echo "${flags# }"
}

if [[ ${BASH_SOURCE[0]} == "$0" && ${1:-} == ldflags ]]; then
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  version::ldflags "${VERSION:-$(version::default)}"
fi
