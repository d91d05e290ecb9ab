#!/usr/bin/env bash
# Regenerates deepcopy, defaulter, conversion, OpenAPI, clientset, listers,
# informers and applyconfigurations with k8s.io/code-generator's kube_codegen.sh.
# Set UPDATE_API_KNOWN_VIOLATIONS=true to rewrite hack/api-rules/violation_exceptions.list.
set -o errexit
set -o nounset
set -o pipefail

SCRIPT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${SCRIPT_ROOT}"
CODEGEN_PKG=${CODEGEN_PKG:-$(go list -m -f '{{.Dir}}' k8s.io/code-generator)}
THIS_PKG="ml.example.io/ml-apiserver"
BOILERPLATE="${SCRIPT_ROOT}/hack/boilerplate.go.txt"

# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

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

kube::codegen::gen_client \
    --with-watch \
    --with-applyconfig \
    --applyconfig-openapi-schema <(go run "${THIS_PKG}/hack/models-schema") \
    --output-dir "${SCRIPT_ROOT}/pkg/generated" \
    --output-pkg "${THIS_PKG}/pkg/generated" \
    --boilerplate "${BOILERPLATE}" \
    "${SCRIPT_ROOT}/pkg/apis"
