#!/usr/bin/env bash
# shellcheck disable=SC2034 # its variables are used by the scripts that source it
# The Kubernetes side of the local cluster: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok with fake nodes.
# Needs common.sh and pki.sh; ports come from cluster::ports.

# The service network is an allocation range only: nothing routes it here.
SERVICE_CLUSTER_IP_RANGE="10.0.0.0/24"
POD_CIDR="10.244.0.1/16"
KWOK_NODES="${KWOK_NODES:-2}"
POD_LOGS_DIR="${LOCAL_UP_DIR}/pod-logs"

# cluster::ports picks a free loopback port for every listener.
cluster::ports() {
  util::free_port ETCD_CLIENT_PORT
  util::free_port ETCD_PEER_PORT
  util::free_port KUBE_APISERVER_PORT
  util::free_port KUBE_CONTROLLER_MANAGER_PORT
  util::free_port KUBE_SCHEDULER_PORT
  util::free_port KWOK_PORT
  util::free_port ML_APISERVER_PORT
  mlapi::ports
  ETCD_URL="http://127.0.0.1:${ETCD_CLIENT_PORT}"
  KUBE_APISERVER_URL="https://127.0.0.1:${KUBE_APISERVER_PORT}"
}

cluster::start_etcd() {
  proc::start etcd "${BIN_DIR}/etcd" \
    --data-dir "${LOCAL_UP_DIR}/etcd" \
    --listen-client-url "${ETCD_URL}" \
    --listen-peer-url "http://127.0.0.1:${ETCD_PEER_PORT}"
  util::wait_for "etcd ${ETCD_URL}/health" 60 etcd curl -fsS "${ETCD_URL}/health"
}

cluster::start_kube_apiserver() {
  proc::start kube-apiserver "${TOOLS_BIN}/kube-apiserver" \
    --etcd-servers "${ETCD_URL}" \
    --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 \
    --secure-port "${KUBE_APISERVER_PORT}" \
    --tls-cert-file "${PKI_DIR}/kube-apiserver.crt" \
    --tls-private-key-file "${PKI_DIR}/kube-apiserver.key" \
    --client-ca-file "${PKI_DIR}/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-key-file "${PKI_DIR}/sa.pub" \
    --service-account-signing-key-file "${PKI_DIR}/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "${SERVICE_CLUSTER_IP_RANGE}" \
    --endpoint-reconciler-type none \
    --requestheader-client-ca-file "${PKI_DIR}/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "${PKI_DIR}/front-proxy-client.crt" \
    --proxy-client-key-file "${PKI_DIR}/front-proxy-client.key" \
    --enable-aggregator-routing="$(mlapi::aggregator_routing)" \
    --kubelet-client-certificate "${PKI_DIR}/kube-apiserver-kubelet-client.crt" \
    --kubelet-client-key "${PKI_DIR}/kube-apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --allow-privileged=true \
    --v "${KUBE_VERBOSITY:-1}"
  pki::kubeconfig "${ADMIN_KUBECONFIG}" "${KUBE_APISERVER_URL}" local-up-admin admin
  util::wait_for "kube-apiserver ${KUBE_APISERVER_URL}/readyz" 120 kube-apiserver \
    kctl get --raw /readyz
  # The RBAC bootstrap policy is in place once the default roles exist.
  util::wait_for "kube-apiserver's bootstrap RBAC roles" 60 kube-apiserver \
    kctl get clusterrole system:auth-delegator system:kube-controller-manager
}

cluster::start_kube_controller_manager() {
  local kc="${KUBECONFIG_DIR}/kube-controller-manager.kubeconfig"
  pki::kubeconfig "${kc}" "${KUBE_APISERVER_URL}" system:kube-controller-manager kube-controller-manager
  # shellcheck disable=SC2086 # KUBE_CONTROLLER_MANAGER_FLAGS is split at spaces
  proc::start kube-controller-manager "${TOOLS_BIN}/kube-controller-manager" \
    --kubeconfig "${kc}" \
    --authentication-kubeconfig "${kc}" \
    --authorization-kubeconfig "${kc}" \
    --bind-address 127.0.0.1 \
    --secure-port "${KUBE_CONTROLLER_MANAGER_PORT}" \
    --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "${PKI_DIR}/sa.key" \
    --root-ca-file "${PKI_DIR}/ca.crt" \
    --cluster-signing-cert-file "${PKI_DIR}/ca.crt" \
    --cluster-signing-key-file "${PKI_DIR}/ca.key" \
    --service-cluster-ip-range "${SERVICE_CLUSTER_IP_RANGE}" \
    --v "${KUBE_VERBOSITY:-1}" \
    ${KUBE_CONTROLLER_MANAGER_FLAGS:-}
  util::wait_for "kube-controller-manager healthz" 60 kube-controller-manager \
    curl -fsSk "https://127.0.0.1:${KUBE_CONTROLLER_MANAGER_PORT}/healthz"
}

cluster::start_kube_scheduler() {
  local kc="${KUBECONFIG_DIR}/kube-scheduler.kubeconfig"
  pki::kubeconfig "${kc}" "${KUBE_APISERVER_URL}" system:kube-scheduler kube-scheduler
  proc::start kube-scheduler "${TOOLS_BIN}/kube-scheduler" \
    --kubeconfig "${kc}" \
    --authentication-kubeconfig "${kc}" \
    --authorization-kubeconfig "${kc}" \
    --bind-address 127.0.0.1 \
    --secure-port "${KUBE_SCHEDULER_PORT}" \
    --leader-elect=false \
    --v "${KUBE_VERBOSITY:-1}"
  util::wait_for "kube-scheduler healthz" 60 kube-scheduler \
    curl -fsSk "https://127.0.0.1:${KUBE_SCHEDULER_PORT}/healthz"
}

# cluster::start_kwok runs kwok for the nodes annotated kwok.x-k8s.io/node=fake,
# with the Stages of hack/lib/kwok-stages.yaml. It also serves those nodes'
# kubelet endpoint on 127.0.0.1:KWOK_PORT, so `kubectl logs` (pods/log
# through kube-apiserver) works: a kwok Logs object named like a pod points
# its containers at log files in CRI format, and every other pod reads the
# empty POD_LOGS_DIR/default.log.
cluster::start_kwok() {
  local kc="${KUBECONFIG_DIR}/kwok.kubeconfig" config="${LOCAL_UP_DIR}/kwok.yaml"
  pki::kubeconfig "${kc}" "${KUBE_APISERVER_URL}" kwok-controller kwok
  cluster::kwok_logs_crd
  mkdir -p "${POD_LOGS_DIR}"
  : >"${POD_LOGS_DIR}/default.log"
  {
    cat "${ROOT}/hack/lib/kwok-stages.yaml"
    cat <<EOF
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: default
spec:
  logs:
  - logsFile: ${POD_LOGS_DIR}/default.log
    follow: true
EOF
  } >"${config}"
  proc::start kwok "${TOOLS_BIN}/kwok" \
    --kubeconfig "${kc}" \
    --config "${config}" \
    --enable-crds Logs \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40 \
    --cidr "${POD_CIDR}" \
    --node-ip 127.0.0.1 \
    --node-port "${KWOK_PORT}" \
    --server-address "127.0.0.1:${KWOK_PORT}" \
    --tls-cert-file "${PKI_DIR}/kwok-serving.crt" \
    --tls-private-key-file "${PKI_DIR}/kwok-serving.key"
  util::wait_for "kwok healthz" 60 kwok curl -fsSk "https://127.0.0.1:${KWOK_PORT}/healthz"
  cluster::create_nodes
}

# cluster::kwok_logs_crd installs kwok's Logs CRD from the kwok module that
# hack/tools pins (in the module cache since `make tools`).
cluster::kwok_logs_crd() {
  local dir
  dir="$(cd "${ROOT}/hack/tools" && GOWORK=off "${GO}" list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  kctl apply -f "${dir}/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" >/dev/null
  kctl wait --for=condition=Established crd/logs.kwok.x-k8s.io --timeout=30s >/dev/null
}

# cluster::create_nodes registers the fake nodes (8 GPUs each) and waits
# until kwok has made them Ready.
cluster::create_nodes() {
  local i name
  for ((i = 0; i < KWOK_NODES; i++)); do
    name="kwok-node-${i}"
    kctl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
spec: {}
status:
  allocatable:
    cpu: "32"
    memory: 256Gi
    pods: "110"
    nvidia.com/gpu: "8"
  capacity:
    cpu: "32"
    memory: 256Gi
    pods: "110"
    nvidia.com/gpu: "8"
EOF
  done
  util::wait_for "${KWOK_NODES} Ready kwok nodes" 60 kwok \
    kctl wait --for=condition=Ready node -l type=kwok --timeout=2s
}
