// Package metrics is the metrics subresource shared by TrainingJobs,
// PipelineRuns and Models: GET .../<kind>/<name>/metrics returns a Metrics
// object read from a metricstore.MetricStore, optionally downsampled;
// POST to the same path appends points after validation. The per-kind
// storage packages wrap REST with their kind's owner store.
//
// Writes by a pod's service-account token are bound to the pod: the token's
// pod (the authentication.kubernetes.io/pod-name and pod-uid extras
// kube-apiserver adds to bound tokens) must belong to the object written,
// so pods that share a service account cannot write each other's metrics
// even where RBAC would allow it (see PodBinding).
package metrics
