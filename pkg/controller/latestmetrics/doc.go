// Package latestmetrics is the controller that writes status.latestMetrics
// of TrainingJobs: the last value of each of their metric series, read from
// the metric store of the data etcd.
//
// It does not write a status per point: the store tells it which objects
// got points (metricstore.MetricStore.WatchAppends, which follows every API
// server's appends on the shared etcd), and it writes the marked jobs at
// most once per interval, from the series' summaries, only when the values
// changed. It needs the metric store, so it runs only in a controller
// manager inside an API server (not in `ml-apiserver controller`).
package latestmetrics
