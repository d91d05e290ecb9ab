// Package standalone provides what ml-apiserver needs to run on one machine
// without a Kubernetes cluster: a private PKI (CA, serving and admin client
// certificates) kept in the data directory, an embedded etcd, an admin
// kubeconfig for kubectl, and the metrics writers: short-lived client
// certificates bound to an object's UID (MetricsCredentials) that the
// MetricsWriterAuthorizer allows to push that object's metrics while it
// exists.
package standalone
