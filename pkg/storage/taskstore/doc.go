// Package taskstore keeps the per-instance state of the forEach tasks of
// PipelineRuns, which would make a wide run's object too large: a run's
// status keeps a summary of each forEach task (counts by phase, the first
// failures), and the tasks subresource serves the instances from here.
//
// Store is the interface; NewEtcd the implementation on the data etcd, in
// a keyspace of its own beside the logs and metrics keyspaces (never under
// the object prefix). Every instance is one key under its run's UID, so a
// page is one range read, and everything of a run goes with DeleteOwner.
package taskstore
