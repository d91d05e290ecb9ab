#!/usr/bin/env bash
# Fails when generated code is stale: regenerates into a copy of the tree
# and compares.
set -o errexit
set -o nounset
set -o pipefail

SCRIPT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "${TMP}"' EXIT

cd "${SCRIPT_ROOT}"
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "${TMP}"
(cd "${TMP}" && hack/update-codegen.sh >/dev/null)

status=0
for dir in pkg/apis pkg/generated hack/api-rules; do
    if ! diff -Naupr "${SCRIPT_ROOT}/${dir}" "${TMP}/${dir}"; then
        status=1
    fi
done
if [[ ${status} -ne 0 ]]; then
    echo "Generated code is out of date: run hack/update-codegen.sh" >&2
fi
exit ${status}
