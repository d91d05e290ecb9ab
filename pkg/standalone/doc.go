// Package standalone provides what ml-apiserver needs to run on one machine
// without a Kubernetes cluster: a private PKI (CA, serving and admin client
// certificates) kept in the data directory, an embedded etcd, an admin
// kubeconfig for kubectl, the server configuration of the mode (ApplyTo:
// the admission chain that needs no core API, no anonymous requests, the
// metrics writers' authorizer), and the metrics writers: short-lived client
// certificates bound to an object's UID (MetricsCredentials), handed to the
// local runtime's processes (MetricsEnv), renewed while the object lives
// and swept once it is gone, that the MetricsWriterAuthorizer allows to
// push that object's metrics while it exists.
//
// Its functions take plain values: the command's options stay in
// cmd/ml-apiserver/app/options.
package standalone
