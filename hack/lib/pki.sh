#!/usr/bin/env bash
# Certificates and keys of the local cluster, made with openssl under
# PKI_DIR. Every file is NAME.crt / NAME.key; ECDSA P-256 keys, except the
# service-account signing key (RSA, what every Kubernetes component expects).

PKI_DAYS="${PKI_DAYS:-365}"

# pki::ca NAME CN creates a self-signed CA.
pki::ca() {
  local name="$1" cn="$2"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${PKI_DIR}/${name}.key" 2>/dev/null
  openssl req -x509 -new -key "${PKI_DIR}/${name}.key" -sha256 -days "$((PKI_DAYS * 10))" \
    -subj "/CN=${cn}" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "${PKI_DIR}/${name}.crt"
}

# pki::cert CA NAME USAGE SUBJECT [SAN] creates a certificate signed by CA.
# USAGE is server, client or both; SUBJECT is openssl's form
# ("/O=system:masters/CN=admin"); SAN is "DNS:a,IP:1.2.3.4".
pki::cert() {
  local ca="$1" name="$2" usage="$3" subject="$4" san="${5:-}" eku ext
  case "${usage}" in
    server) eku="serverAuth" ;;
    client) eku="clientAuth" ;;
    both) eku="serverAuth,clientAuth" ;;
    *) log::error "pki::cert: unknown usage ${usage}"; return 1 ;;
  esac
  ext="${PKI_DIR}/${name}.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=${eku}"
    echo "authorityKeyIdentifier=keyid"
    if [[ -n "${san}" ]]; then echo "subjectAltName=${san}"; fi
  } >"${ext}"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${PKI_DIR}/${name}.key" 2>/dev/null
  openssl req -new -key "${PKI_DIR}/${name}.key" -subj "${subject}" -out "${PKI_DIR}/${name}.csr"
  openssl x509 -req -in "${PKI_DIR}/${name}.csr" -sha256 -days "${PKI_DAYS}" \
    -CA "${PKI_DIR}/${ca}.crt" -CAkey "${PKI_DIR}/${ca}.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "${ext}" -out "${PKI_DIR}/${name}.crt" 2>/dev/null
  rm -f "${PKI_DIR}/${name}.csr" "${ext}"
}

# pki::create makes the whole PKI of the local cluster:
#   ca                          cluster CA: kube-apiserver's serving cert and every client cert
#   kube-apiserver              serving cert (127.0.0.1, localhost, kubernetes.default.svc, ...)
#   admin                       O=system:masters, for the admin kubeconfig
#   kube-controller-manager     CN=system:kube-controller-manager
#   kube-scheduler              CN=system:kube-scheduler
#   kwok                        O=system:masters (it plays every kubelet)
#   kube-apiserver-kubelet-client  kube-apiserver's client cert towards kubelets (kwok)
#   front-proxy-ca              requestheader CA of the aggregation layer
#   front-proxy-client          CN=front-proxy-client, kube-apiserver's proxy client cert
#   sa                          service-account signing key pair (sa.key, sa.pub)
#   ml-apiserver-ca, ml-apiserver   a separate CA and the serving cert of ml-apiserver,
#                               for ml-apiserver.ml-system.svc, the name the aggregator verifies
#                               (and ML_APISERVER_HOST_SAN, the address replicas listen on);
#                               every replica serves the same certificate
#   kwok-serving                serving cert of kwok's kubelet endpoint
pki::create() {
  mkdir -p "${PKI_DIR}"
  chmod 700 "${PKI_DIR}"
  pki::ca ca "local-up-ca"
  pki::cert ca kube-apiserver server "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki::cert ca admin client "/O=system:masters/CN=local-up-admin"
  pki::cert ca kube-controller-manager client "/CN=system:kube-controller-manager"
  pki::cert ca kube-scheduler client "/CN=system:kube-scheduler"
  pki::cert ca kwok client "/O=system:masters/CN=kwok-controller"
  pki::cert ca kube-apiserver-kubelet-client client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  pki::cert ca kwok-serving server "/CN=kwok-kubelet" "IP:127.0.0.1,DNS:localhost"

  pki::ca front-proxy-ca "local-up-front-proxy-ca"
  pki::cert front-proxy-ca front-proxy-client client "/CN=front-proxy-client"

  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI_DIR}/sa.key" 2>/dev/null
  openssl pkey -in "${PKI_DIR}/sa.key" -pubout -out "${PKI_DIR}/sa.pub"

  pki::ca ml-apiserver-ca "ml-apiserver-ca"
  pki::cert ml-apiserver-ca ml-apiserver server "/CN=ml-apiserver.ml-system.svc" \
    "DNS:ml-apiserver.ml-system.svc,DNS:ml-apiserver.ml-system.svc.cluster.local,DNS:localhost,IP:127.0.0.1${ML_APISERVER_HOST_SAN:+,IP:${ML_APISERVER_HOST_SAN}}"
  chmod 600 "${PKI_DIR}"/*.key
}

# pki::kubeconfig FILE SERVER USER CERT_NAME writes a kubeconfig that trusts
# the cluster CA and authenticates with the client cert CERT_NAME.
pki::kubeconfig() {
  local file="$1" server="$2" user="$3" cert="$4"
  local k=("${KUBECTL}" config --kubeconfig "${file}")
  "${k[@]}" set-cluster local-up --server "${server}" --certificate-authority "${PKI_DIR}/ca.crt" --embed-certs >/dev/null
  "${k[@]}" set-credentials "${user}" --client-certificate "${PKI_DIR}/${cert}.crt" \
    --client-key "${PKI_DIR}/${cert}.key" --embed-certs >/dev/null
  "${k[@]}" set-context local-up --cluster local-up --user "${user}" >/dev/null
  "${k[@]}" use-context local-up >/dev/null
  chmod 600 "${file}"
}

# pki::token_kubeconfig FILE SERVER USER TOKEN writes a kubeconfig that
# authenticates with a bearer token (written directly, so the token never
# appears on a command line).
pki::token_kubeconfig() {
  local file="$1" server="$2" user="$3" token="$4"
  (
    umask 077
    cat >"${file}" <<EOF_KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local-up
  cluster:
    server: ${server}
    certificate-authority-data: $(base64 -w0 <"${PKI_DIR}/ca.crt")
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: local-up
  context:
    cluster: local-up
    user: ${user}
current-context: local-up
EOF_KUBECONFIG
  )
}
