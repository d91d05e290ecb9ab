#!/usr/bin/env bash
# ml-apiserver in the local cluster: aggregated mode, delegated
# authentication and authorization, running with the identity and RBAC of
# artifacts/deploy/rbac (never as admin), its own etcd prefix, and an
# APIService that verifies its certificate.
#
# With ML_APISERVER_REPLICAS=N (N > 1) it runs N replicas (ml-apiserver,
# ml-apiserver-2, ...) on the same etcd with the same serving certificate,
# each on its own port of ML_APISERVER_HOST (default: the host's first
# non-loopback IPv4 address, since an EndpointSlice may not list loopback
# addresses), behind a selector-less ClusterIP Service with one
# EndpointSlice per replica; kube-apiserver runs with
# --enable-aggregator-routing so that the aggregator picks a ready
# endpoint from the EndpointSlices for every request. Their controllers
# share one leader Lease, so only one replica's controllers act.

ML_APISERVER_ETCD_PREFIX="/ml-apiserver/registry"
ML_APISERVER_TOKEN_DURATION="${ML_APISERVER_TOKEN_DURATION:-24h}"
ML_APISERVER_REPLICAS="${ML_APISERVER_REPLICAS:-1}"
# ML_APISERVER_SERVICE_PORT is the port of the replicas' Service (the
# APIService's spec.service.port); each EndpointSlice maps it, by its name
# https, to the port of one replica.
ML_APISERVER_SERVICE_PORT=443

# mlapi::check_replicas validates ML_APISERVER_REPLICAS and, for more than
# one replica, picks ML_APISERVER_HOST and makes the serving certificate
# valid for it (ML_APISERVER_HOST_SAN, read by pki::create).
mlapi::check_replicas() {
  if ! [[ "${ML_APISERVER_REPLICAS}" =~ ^[1-9]$ ]]; then
    log::error "ML_APISERVER_REPLICAS=${ML_APISERVER_REPLICAS}: want a number from 1 to 9"
    return 1
  fi
  if ((ML_APISERVER_REPLICAS == 1)); then
    ML_APISERVER_HOST=127.0.0.1
    return 0
  fi
  if [[ -z "${ML_APISERVER_HOST:-}" ]]; then
    ML_APISERVER_HOST="$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n1 || true)"
  fi
  if [[ -z "${ML_APISERVER_HOST}" || "${ML_APISERVER_HOST}" == 127.* ]]; then
    log::error "ML_APISERVER_REPLICAS=${ML_APISERVER_REPLICAS} needs a non-loopback IPv4 address of this host (EndpointSlices refuse 127.0.0.0/8): set ML_APISERVER_HOST"
    return 1
  fi
  ML_APISERVER_HOST_SAN="${ML_APISERVER_HOST}"
}

# mlapi::aggregator_routing is kube-apiserver's --enable-aggregator-routing:
# one replica is reached through an ExternalName Service (no endpoints),
# several through the endpoints of their Service.
mlapi::aggregator_routing() {
  if ((ML_APISERVER_REPLICAS > 1)); then echo true; else echo false; fi
}

# mlapi::ports picks the port of every replica: ML_APISERVER_PORTS[i-1] is
# replica i's; the first is ML_APISERVER_PORT.
mlapi::ports() {
  local i replica_port
  ML_APISERVER_PORTS=("${ML_APISERVER_PORT}")
  for ((i = 2; i <= ML_APISERVER_REPLICAS; i++)); do
    util::free_port replica_port
    ML_APISERVER_PORTS+=("${replica_port}")
  done
}

# mlapi::name I is the component name of replica I (from 1).
mlapi::name() {
  if (($1 == 1)); then echo ml-apiserver; else echo "ml-apiserver-$1"; fi
}

# mlapi::urls prints the URL of every replica, space-separated.
mlapi::urls() {
  local i urls=()
  for ((i = 0; i < ML_APISERVER_REPLICAS; i++)); do
    urls+=("https://${ML_APISERVER_HOST}:${ML_APISERVER_PORTS[i]}")
  done
  echo "${urls[*]}"
}

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
  local i
  mlapi::apply_rbac
  mlapi::kubeconfig
  for ((i = 1; i <= ML_APISERVER_REPLICAS; i++)); do
    mlapi::start_replica "${i}"
  done
  CURRENT=ml-apiserver
  if ((ML_APISERVER_REPLICAS > 1)); then
    mlapi::register_endpoints
  else
    mlapi::register
  fi
}

# mlapi::start_replica I starts replica I and waits until it is ready. Its
# address is kept in run/NAME.endpoint ("HOST PORT") for stop and start.
mlapi::start_replica() {
  local name port
  name="$(mlapi::name "$1")"
  port="${ML_APISERVER_PORTS[$(($1 - 1))]}"
  CURRENT="${name}"
  mkdir -p "${RUN_DIR}"
  echo "${ML_APISERVER_HOST} ${port}" >"${RUN_DIR}/${name}.endpoint"
  proc::start "${name}" "${BIN_DIR}/ml-apiserver" \
    --etcd-servers "${ETCD_URL}" \
    --etcd-prefix "${ML_APISERVER_ETCD_PREFIX}" \
    --bind-address "${ML_APISERVER_HOST}" \
    --secure-port "${port}" \
    --tls-cert-file "${PKI_DIR}/ml-apiserver.crt" \
    --tls-private-key-file "${PKI_DIR}/ml-apiserver.key" \
    --authentication-kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --authorization-kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --kubeconfig "${ML_APISERVER_KUBECONFIG}" \
    --data-dir "${LOCAL_UP_DIR}/${name}" \
    --v "${ML_VERBOSITY:-2}"
  mlapi::wait_ready "${name}"
}

# mlapi::wait_ready NAME waits until the ml-apiserver process NAME answers
# /readyz.
mlapi::wait_ready() {
  local host port
  read -r host port <"${RUN_DIR}/$1.endpoint"
  util::wait_for "$1 /readyz" 120 "$1" \
    curl -fsS --cacert "${PKI_DIR}/ml-apiserver-ca.crt" "https://${host}:${port}/readyz"
}

# mlapi::has_endpoint NAME succeeds for an ml-apiserver replica listed in
# an EndpointSlice (a cluster started with several replicas).
mlapi::has_endpoint() {
  [[ "$1" == ml-apiserver* && -e "${RUN_DIR}/$1.endpoint" && -e "${RUN_DIR}/ml-apiserver-2.sh" ]]
}

# mlapi::set_ready NAME true|false sets the ready condition of replica
# NAME's endpoint, as a kubelet's readiness probe and the EndpointSlice
# controller would for a pod: the aggregator stops sending requests to a
# replica before it is stopped, and sends them again once it is ready.
mlapi::set_ready() {
  kctl -n ml-system patch endpointslice "$1" --type=json \
    -p "[{\"op\":\"replace\",\"path\":\"/endpoints/0/conditions/ready\",\"value\":$2}]" >/dev/null
}

# mlapi::endpoint_slice NAME prints the EndpointSlice of replica NAME.
mlapi::endpoint_slice() {
  local host port
  read -r host port <"${RUN_DIR}/$1.endpoint"
  cat <<EOF
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $1
  namespace: ml-system
  labels:
    kubernetes.io/service-name: ml-apiserver
    endpointslice.kubernetes.io/managed-by: local-up.ml.example.io
addressType: IPv4
ports:
- name: https
  port: ${port}
  protocol: TCP
endpoints:
- addresses: ["${host}"]
  conditions:
    ready: true
EOF
}

# mlapi::register_endpoints routes the group to the replicas: a
# selector-less ClusterIP Service whose port https maps, in one
# EndpointSlice per replica (a slice has one port number for all its
# endpoints), to that replica's address and port, and the APIService.
mlapi::register_endpoints() {
  local i
  log::info "registering APIService v1alpha1.ml.example.io -> ${ML_APISERVER_REPLICAS} replicas on ${ML_APISERVER_HOST} (ports ${ML_APISERVER_PORTS[*]})"
  {
    cat <<EOF
apiVersion: v1
kind: Service
metadata:
  name: ml-apiserver
  namespace: ml-system
spec:
  type: ClusterIP
  ports:
  - name: https
    port: ${ML_APISERVER_SERVICE_PORT}
    protocol: TCP
EOF
    for ((i = 1; i <= ML_APISERVER_REPLICAS; i++)); do
      mlapi::endpoint_slice "$(mlapi::name "${i}")"
    done
  } | kctl apply -f - >/dev/null
  mlapi::apply_apiservice "${ML_APISERVER_SERVICE_PORT}"
}

# mlapi::register routes the group to the local process: an ExternalName
# Service resolving to 127.0.0.1 (endpoints may not be loopback addresses)
# and an APIService whose caBundle is ml-apiserver's own CA.
mlapi::register() {
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
EOF
  mlapi::apply_apiservice "${ML_APISERVER_PORT}"
}

# mlapi::apply_apiservice PORT applies the APIService for the Service
# ml-system/ml-apiserver and PORT, and waits until the group is served.
mlapi::apply_apiservice() {
  local ca_bundle
  ca_bundle="$(base64 -w0 <"${PKI_DIR}/ml-apiserver-ca.crt")"
  kctl apply -f - >/dev/null <<EOF
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
    port: $1
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
