// Package logstore keeps the logs of the pods of ml.example.io objects
// after the pods are gone: the log archive behind the log subresource.
//
// LogStore is the interface; NewEtcd is the default implementation, in a
// keyspace of its own (never under the object prefix), on the server's
// etcd or a separate cluster. Each archived log is the tail of one
// container's log, at most a configured size, split into chunks well under
// etcd's request limit and compressed chunk by chunk. Everything archived
// for an object lives under the object's UID and goes with DeleteOwner.
//
// Archives go with their owners (cleanup.go): DeleteWithOwner hooks the
// deletion of an owner's store, and DeleteOrphans removes what a crash
// between the two deletions left behind.
package logstore
