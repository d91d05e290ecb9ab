#!/usr/bin/env bash
# Checks the layering rules of the module with `go list`:
#
#   1. pkg/workload/... and pkg/controller/... do not depend on
#      pkg/registry/... (as `go list -deps` sees it, and their tests do not
#      import it either): runtimes and controllers talk to the API through
#      clients.
#   2. pkg/... does not depend on cmd/...: commands assemble packages, not
#      the other way round.
#   3. No func init() in hand-written Go files (generated code, _test.go
#      files and package main aside), except scheme registration: a
#      register.go, an install or scheme package, or an init that only
#      registers with a SchemeBuilder or AddToScheme.
#
# Each violation is printed with its files and reason. The known ones wait
# in hack/verify-imports.allowlist, each with the change that removes it;
# an allow-list entry that matches no violation any more is an error too,
# so the list can only shrink.
set -o errexit
set -o nounset
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
MODULE=$(${GO} list -m)
ALLOWLIST=hack/verify-imports.allowlist

declare -A DIR IMPORTS TESTIMPORTS
declare -a PKGS
while IFS='|' read -r pkg dir imports testimports; do
    PKGS+=("${pkg}")
    DIR[${pkg}]=${dir}
    IMPORTS[${pkg}]=${imports}
    TESTIMPORTS[${pkg}]=${testimports}
done < <(${GO} list -e -f '{{.ImportPath}}|{{.Dir}}|{{join .Imports " "}}|{{join .TestImports " "}} {{join .XTestImports " "}}' ./...)
if ((${#PKGS[@]} == 0)); then
    echo "go list found no packages" >&2
    exit 1
fi

# violations maps a key (what the allow-list names) to its message.
declare -A violations

# files_importing prints the Go files of pkg that import path.
files_importing() {
    local pkg=$1 path=$2
    { grep -l -F "\"${path}\"" "${DIR[${pkg}]}"/*.go || true; } | sed "s|^$(pwd)/||" | paste -sd' ' -
}

# check_deps SCOPE FORBIDDEN REASON: every package under SCOPE, with its
# module-internal dependencies (and its own tests' imports), must not reach
# a package under FORBIDDEN. A violation is the import edge that enters
# FORBIDDEN, keyed "import FROM TO".
check_deps() {
    local scope=$1 forbidden=$2 reason=$3 start
    for start in "${PKGS[@]}"; do
        [[ ${start} == "${MODULE}/${scope}" || ${start} == "${MODULE}/${scope}/"* ]] || continue
        local -A seen=()
        local -a queue=("${start}")
        seen[${start}]=1
        while ((${#queue[@]})); do
            local from=${queue[0]} to
            queue=("${queue[@]:1}")
            local edges=${IMPORTS[${from}]:-}
            # A package's own tests count, but only their direct imports:
            # the dependencies of tests are not part of any binary.
            [[ ${from} == "${start}" ]] && edges+=" ${TESTIMPORTS[${from}]:-}"
            for to in ${edges}; do
                [[ ${to} == "${MODULE}/"* ]] || continue
                if [[ ${to} == "${MODULE}/${forbidden}/"* || ${to} == "${MODULE}/${forbidden}" ]]; then
                    local key="import ${from#"${MODULE}/"} ${to#"${MODULE}/"}"
                    if [[ -z ${violations[${key}]:-} ]]; then
                        violations[${key}]="$(files_importing "${from}" "${to}"): import ${to#"${MODULE}/"} (a dependency of ${start#"${MODULE}/"}): ${reason}"
                    fi
                    continue
                fi
                [[ -n ${seen[${to}]:-} || ${from} == "${start}" && " ${IMPORTS[${from}]} " != *" ${to} "* ]] && continue
                seen[${to}]=1
                queue+=("${to}")
            done
        done
        unset seen
    done
}

check_deps pkg/workload pkg/registry "workload runtimes must not depend on the API server's registry"
check_deps pkg/controller pkg/registry "controllers must not depend on the API server's registry"
check_deps pkg cmd "packages must not depend on commands"

# init functions: awk prints the line of every init whose body is not only
# scheme registrations.
for pkg in "${PKGS[@]}"; do
    rel=${pkg#"${MODULE}/"}
    [[ ${rel} == pkg/generated || ${rel} == pkg/generated/* ]] && continue
    [[ ${rel##*/} == install || ${rel##*/} == scheme ]] && continue
    for file in "${DIR[${pkg}]}"/*.go; do
        [[ -e ${file} ]] || continue
        base=${file##*/}
        [[ ${base} == *_test.go || ${base} == zz_generated.* || ${base} == register.go ]] && continue
        grep -q '^package main$' "${file}" && continue
        grep -q '^func init()' "${file}" || continue
        while read -r line; do
            key="init ${file#"$(pwd)/"}"
            violations[${key}]="${file#"$(pwd)/"}:${line}: func init() outside package main and scheme registration: register explicitly, where it is used"
        done < <(awk '
            /^func init\(\) *\{ *$/ { in_init = 1; start = NR; bad = 0; next }
            /^func init\(\)/ { print NR; next }
            in_init && /^}/ { if (bad) print start; in_init = 0; next }
            in_init {
                line = $0
                sub(/\/\/.*/, "", line)
                gsub(/^[ \t]+|[ \t]+$/, "", line)
                if (line == "") next
                if (line ~ /^(utilruntime\.Must\()?[A-Za-z0-9_]*([Ss]chemeBuilder\.Register|\.AddToScheme)\(/) next
                bad = 1
            }
        ' "${file}")
    done
done

# Compare with the allow-list.
declare -A allowed
if [[ -f ${ALLOWLIST} ]]; then
    while read -r kind a b; do
        [[ -z ${kind} || ${kind} == \#* ]] && continue
        allowed["${kind} ${a}${b:+ ${b}}"]=1
    done < "${ALLOWLIST}"
fi

status=0
while IFS= read -r key; do
    [[ -z ${key} || -n ${allowed[${key}]:-} ]] && continue
    echo "${violations[${key}]}" >&2
    status=1
done < <(printf '%s\n' "${!violations[@]}" | sort)
for key in "${!allowed[@]}"; do
    if [[ -z ${violations[${key}]:-} ]]; then
        echo "${ALLOWLIST}: '${key}' is no longer a violation: remove it from the allow-list" >&2
        status=1
    fi
done
if ((status)); then
    echo "Import and init rules violated (known exceptions: ${ALLOWLIST})" >&2
fi
exit ${status}
