// Package controller runs the bundled controllers of ml.example.io: one per
// kind (pkg/controller/<kind>), each the canonical client-go loop over a
// rate-limited workqueue. The Manager builds the clients, informers, event
// recorder and workload runtime they share, and starts the enabled ones
// while it holds the leader lease, so that of several running copies
// (API server replicas, or `ml-apiserver controller` processes) exactly one
// acts. The same Manager runs them in the standalone server
// (NewStandaloneManager) over a different backend: the local runtime, events
// to the server's own core/v1 Events and its log, no leader election. Every controller is one row of the
// initializers table (init.go), the reconcilers of what the API servers keep
// beside the objects included (status.latestMetrics, the log archive sweep,
// the MLQuota usage records: init_reconcilers.go). Those that need the
// stores of the data etcd (Config.Data) run only in a manager inside an API
// server.
package controller
