// Package logsweep is the controller that deletes the archived logs of
// objects that no longer exist: what a crash between an object's deletion
// and its archive's cleanup leaves behind (logstore.DeleteOrphans). It
// reads the archive of the data etcd and asks the API whether each owner
// still exists, so it runs only in a controller manager inside an API
// server (not in `ml-apiserver controller`).
package logsweep
