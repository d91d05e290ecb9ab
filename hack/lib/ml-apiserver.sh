#!/usr/bin/env bash
# ml-apiserver in the local cluster: aggregated mode, delegated
# authentication and authorization, running with the identity and RBAC of
# artifacts/deploy/rbac (never as admin), its own etcd prefix, and an
# APIService that verifies its certificate.

ML_APISERVER_ETCD_PREFIX="/ml-apiserver/registry"
ML_APISERVER_TOKEN_DURATION="${ML_APISERVER_TOKEN_DURATION:-24h}"

# mlapi::apply_rbac applies the namespace, ServiceAccount and RBAC of the
# deploy manifests, the same objects a real installation gets.
mlapi::apply_rbac() {
  log::info "applying artifacts/deploy/rbac"
  kctl apply -k "${ROOT}/artifacts/deploy/rbac" >/dev/null
  util::wait_for "ServiceAccount ml-system/ml-apiserver" 30 kube-apiserver \
    kctl -n ml-system get serviceaccount ml-apiserver
}

# mlapi::kubeconfig mints a token of the ServiceAccount ml-system/ml-apiserver
# and writes the kubeconfig ml-apiserver uses for kube-apiserver.
mlapi::kubeconfig() {
  local token
  token="$(kctl -n ml-system create token ml-apiserver --duration "${ML_APISERVER_TOKEN_DURATION}")"
  ML_APISERVER_KUBECONFIG="${KUBECONFIG_DIR}/ml-apiserver.kubeconfig"
  pki::token_kubeconfig "${ML_APISERVER_KUBECONFIG}" "${KUBE_APISERVER_URL}" \
    system:serviceaccount:ml-system:ml-apiserver "${token}"
}

mlapi::start() {
  mlapi::apply_rbac
  mlapi::kubeconfig
  proc::start ml-apiserver "${BIN_DIR}/ml-apiserver" \
    --etcd-servers "${ETCD_URL}" \
    --etcd-prefix "${ML_APISERVER_ETCD_PREFIX}" \
    --bind-address 127.0.0.1 \
    --secure-port "${ML_APISERVER_PORT}" \
    --tls-cert-file "${PKI_DIR}/ml-apiserver.crt" \
    --tls-private-key-file "${PKI_DIR}/ml-apiserver.key" \
    --authentication-kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --authorization-kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --data-dir "${LOCAL_UP_DIR}/ml-apiserver" \
    --v "${ML_VERBOSITY:-2}"
  util::wait_for "ml-apiserver /readyz" 120 ml-apiserver \
    curl -fsS --cacert "${PKI_DIR}/ml-apiserver-ca.crt" "https://127.0.0.1:${ML_APISERVER_PORT}/readyz"
  mlapi::register
}

# mlapi::register routes the group to the local process: an ExternalName
# Service resolving to 127.0.0.1 (endpoints may not be loopback addresses)
# and an APIService whose caBundle is ml-apiserver's own CA.
mlapi::register() {
  local ca_bundle
  ca_bundle="$(base64 -w0 <"${PKI_DIR}/ml-apiserver-ca.crt")"
  log::info "registering APIService v1alpha1.ml.example.io -> 127.0.0.1:${ML_APISERVER_PORT}"
  kctl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: ml-apiserver
  namespace: ml-system
spec:
  type: ExternalName
  externalName: 127.0.0.1
  ports:
  - name: https
    port: ${ML_APISERVER_PORT}
    protocol: TCP
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.ml.example.io
spec:
  group: ml.example.io
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  service:
    name: ml-apiserver
    namespace: ml-system
    port: ${ML_APISERVER_PORT}
  caBundle: ${ca_bundle}
EOF
  if ! util::wait_for "APIService v1alpha1.ml.example.io Available" 90 ml-apiserver \
    kctl wait --for=condition=Available apiservice/v1alpha1.ml.example.io --timeout=2s; then
    kctl get apiservice v1alpha1.ml.example.io -o jsonpath='{.status.conditions}{"\n"}' >&2 || true
    echo "----- the aggregator's errors in ${LOG_DIR}/kube-apiserver.log -----" >&2
    grep -E 'ml\.example\.io|x509|dial tcp' "${LOG_DIR}/kube-apiserver.log" | tail -n 20 >&2 || true
    return 1
  fi
  util::wait_for "kubectl api-resources --api-group=ml.example.io" 30 ml-apiserver \
    mlapi::discovered
}

# mlapi::discovered succeeds once discovery through kube-apiserver lists the
# group's resources.
mlapi::discovered() {
  kctl api-resources --api-group=ml.example.io -o name | grep -q '^trainingjobs\.ml\.example\.io$'
}
