// Package standalone provides what ml-apiserver needs to run on one machine
// without a Kubernetes cluster: a private PKI (CA, serving and admin client
// certificates) kept in the data directory, an embedded etcd, and an admin
// kubeconfig for kubectl.
package standalone
