#!/usr/bin/env bash
# Regenerates protobuf (generated.proto, generated.pb.go and the protobuf
# struct tags of the versioned types, with k8s.io/code-generator's
# go-to-protobuf), then deepcopy, defaulter, conversion, OpenAPI, clientset,
# listers, informers and applyconfigurations with kube_codegen.sh.
# protoc comes from Debian's protobuf-compiler (installed with apt-get when
# missing); PROTOC_VERSION pins the version whose output is committed.
# Set UPDATE_API_KNOWN_VIOLATIONS=true to rewrite hack/api-rules/violation_exceptions.list.
set -o errexit
set -o nounset
set -o pipefail

SCRIPT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${SCRIPT_ROOT}"
CODEGEN_PKG=${CODEGEN_PKG:-$(go list -m -f '{{.Dir}}' k8s.io/code-generator)}
THIS_PKG="ml.example.io/ml-apiserver"
BOILERPLATE="${SCRIPT_ROOT}/hack/boilerplate.go.txt"

PROTOC_VERSION=${PROTOC_VERSION:-3.21.12}
# The versioned packages that get a protobuf encoding.
PROTO_PKGS=(
    "${THIS_PKG}/pkg/apis/ml/v1alpha1"
)

# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

# ensure_protoc installs protoc when it is missing and checks its version.
ensure_protoc() {
    if ! command -v protoc >/dev/null 2>&1; then
        echo "protoc not found: installing Debian's protobuf-compiler" >&2
        local sudo=""
        if [[ $(id -u) -ne 0 ]]; then
            sudo="sudo"
        fi
        ${sudo} apt-get update -qq >&2
        ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >&2
    fi
    local got
    got=$(protoc --version | awk '{print $2}')
    if [[ "${got}" != "${PROTOC_VERSION}" ]]; then
        echo "protoc ${got} found, ${PROTOC_VERSION} wanted (Debian bookworm's protobuf-compiler); set PROTOC_VERSION=${got} to try it anyway" >&2
        return 1
    fi
}

# gen_protobuf runs go-to-protobuf over PROTO_PKGS. go-to-protobuf wants one
# directory holding every package by import path (as GOPATH did): a
# temporary one links this module and the modules whose .proto files ours
# import. Only PROTO_PKGS are written; the k8s.io packages are read.
gen_protobuf() {
    ensure_protoc

    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '${tmp}'" EXIT

    GOBIN="${tmp}/bin" go install \
        k8s.io/code-generator/cmd/go-to-protobuf \
        k8s.io/code-generator/cmd/go-to-protobuf/protoc-gen-gogo \
        golang.org/x/tools/cmd/goimports

    local mod
    for mod in k8s.io/api k8s.io/apimachinery github.com/gogo/protobuf; do
        mkdir -p "${tmp}/src/$(dirname "${mod}")"
        ln -s "$(go list -m -f '{{.Dir}}' "${mod}")" "${tmp}/src/${mod}"
    done
    mkdir -p "${tmp}/src/$(dirname "${THIS_PKG}")"
    ln -s "${SCRIPT_ROOT}" "${tmp}/src/${THIS_PKG}"

    local pkg
    for pkg in "${PROTO_PKGS[@]}"; do
        # A stale generated.pb.go may not compile against changed types;
        # go-to-protobuf loads the package before it replaces the file.
        rm -f "${SCRIPT_ROOT}/${pkg#"${THIS_PKG}"/}/generated.pb.go"
    done

    local packages
    packages=$(IFS=,; echo "-k8s.io/api/core/v1,-k8s.io/api/rbac/v1,${PROTO_PKGS[*]}")
    PATH="${tmp}/bin:$(go env GOROOT)/bin:${PATH}" "${tmp}/bin/go-to-protobuf" \
        --go-header-file "${BOILERPLATE}" \
        --output-dir "${tmp}/src" \
        --proto-import "${tmp}/src" \
        --proto-import "$(go list -m -f '{{.Dir}}' github.com/gogo/protobuf)/protobuf" \
        --apimachinery-packages "-k8s.io/apimachinery/pkg/util/intstr,-k8s.io/apimachinery/pkg/api/resource,-k8s.io/apimachinery/pkg/runtime/schema,-k8s.io/apimachinery/pkg/runtime,-k8s.io/apimachinery/pkg/apis/meta/v1" \
        --packages "${packages}" \
        --drop-gogo-go
}

gen_protobuf

kube::codegen::gen_helpers \
    --boilerplate "${BOILERPLATE}" \
    "${SCRIPT_ROOT}/pkg/apis"

update_report=""
if [[ "${UPDATE_API_KNOWN_VIOLATIONS:-}" == "true" ]]; then
    update_report="--update-report"
fi

kube::codegen::gen_openapi \
    --output-dir "${SCRIPT_ROOT}/pkg/generated/openapi" \
    --output-pkg "${THIS_PKG}/pkg/generated/openapi" \
    --extra-pkgs "k8s.io/api/autoscaling/v1" \
    --extra-pkgs "k8s.io/api/core/v1" \
    --extra-pkgs "k8s.io/api/rbac/v1" \
    --extra-pkgs "k8s.io/apimachinery/pkg/util/intstr" \
    --report-filename "${SCRIPT_ROOT}/hack/api-rules/violation_exceptions.list" \
    --output-model-name-file "zz_generated.model_name.go" \
    ${update_report:+"${update_report}"} \
    --boilerplate "${BOILERPLATE}" \
    "${SCRIPT_ROOT}/pkg/apis"

# --prefers-protobuf: the typed clients speak protobuf unless their rest
# config sets ContentType, as client-go's do for the built-in types.
kube::codegen::gen_client \
    --with-watch \
    --prefers-protobuf \
    --with-applyconfig \
    --applyconfig-openapi-schema <(go run "${THIS_PKG}/hack/models-schema") \
    --output-dir "${SCRIPT_ROOT}/pkg/generated" \
    --output-pkg "${THIS_PKG}/pkg/generated" \
    --boilerplate "${BOILERPLATE}" \
    "${SCRIPT_ROOT}/pkg/apis"
