// Package workload is the interface through which controllers run their
// children: the replicas (pods) and services of an ml.example.io object.
// Controllers never talk to pods directly, so the same controller code
// drives real Pods and Services through kube-apiserver (package
// workload/kubernetes, aggregated mode) and host processes (a local
// runtime for standalone mode).
package workload
