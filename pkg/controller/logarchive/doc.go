// Package logarchive copies the logs of the pods the controllers made into
// the log archive of ml-apiserver, so that `GET .../<resource>/<name>/log`
// still answers once the pods are gone: when a pod ends, and, through
// ArchiveBeforeDelete, before a controller deletes one.
//
// It writes through the API, not into the store: it POSTs a
// LogArchiveRequest to the log subresource of the pod's owner, and the
// server reads the pod's logs itself (with its own identity, only of a pod
// that object owns) into its LogStore. So the controller works the same in
// the server's process and as `ml-apiserver controller` against a remote
// server, needs the RBAC verb create on <resource>/log and no access to
// etcd, and log bytes cross the network once.
package logarchive
