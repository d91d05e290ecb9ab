// Package kubernetes is the workload runtime of aggregated mode: replicas
// are Pods and services are Services, created through kube-apiserver with a
// controller reference to their owner (so the garbage collector deletes them
// with it), the owner's labels, the runtime's management label and its
// field manager, and read back from informers that watch only objects
// carrying that label.
package kubernetes
