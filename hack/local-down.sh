#!/usr/bin/env bash
# Stops the local cluster of hack/local-up.sh: exactly the processes whose
# pids it recorded in LOCAL_UP_DIR/pids (default _output/local-up), clients
# before servers and etcd last, each with SIGTERM and, after STOP_TIMEOUT
# seconds (default 15), SIGKILL. Safe to run when nothing runs. Logs and data stay in
# LOCAL_UP_DIR (the next local-up starts afresh); --purge removes them too.
set -euo pipefail

LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
# shellcheck source=hack/lib/common.sh
source "${LIB}/common.sh"

main() {
  local purge=0
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
      return 0
      ;;
    *)
      log::error "usage: $0 [--purge]"
      return 2
      ;;
  esac
  if [[ -z "$(proc::running)" ]]; then
    log::info "no local cluster runs in ${LOCAL_UP_DIR}"
  fi
  proc::stop_all
  if ((purge)); then
    log::info "removing ${LOCAL_UP_DIR}"
    rm -rf "${LOCAL_UP_DIR:?}"
  fi
}

main "$@"
