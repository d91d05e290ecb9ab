// Package metricscollector is the StdOut metrics collector: it follows the
// log of replica 0 of every running TrainingJob whose spec.metrics.collector
// is StdOut (the default), parses name=value pairs out of each line (Katib's
// format, or the job's spec.metrics.format), and appends them as points
// through the API (POST .../trainingjobs/<name>/metrics), so it works the
// same inside ml-apiserver and as `ml-apiserver controller`.
//
// Steps: a pair named step gives the step of the other pairs of its line;
// otherwise epoch, iteration or iter do (and are kept as series too);
// otherwise each series counts its own points, continuing from the last
// step stored when the collector (re)starts following a pod. Times are the
// log lines' timestamps.
package metricscollector
