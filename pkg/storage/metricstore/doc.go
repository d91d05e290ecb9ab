// Package metricstore stores the metric series of ml.example.io objects
// (TrainingJobs, PipelineRuns, Models) outside the objects themselves.
//
// MetricStore is the interface the metrics subresource and the collectors
// use; NewEtcd is the default implementation, on etcd in a keyspace of its
// own (never under the object prefix, and optionally on a separate etcd
// cluster). Series are keyed by the owner's UID, so a deleted and recreated
// object never sees the points of its predecessor.
//
// Layout under the prefix, per owner <resource>/<namespace>/<name>/<uid>/:
//
//	m/<task>/<name>        the series' summary (count, last, min, max) and
//	                       its head: the newest points, up to ChunkPoints
//	c/<task>/<name>/<seq>  full chunks of ChunkPoints older points
//
// Points are encoded compactly (delta-encoded varint step and time, 8-byte
// value, about 12 bytes a point), so a chunk stays near 50 KiB, far below
// etcd's request limit. A series holds at most MaxPointsPerSeries points:
// when an append goes past it, the oldest chunks are dropped. The summary
// (last, min, max) still covers every point ever reported.
//
// An object has at most MaxSeriesPerObject series and MaxBytesPerObject
// bytes, and all objects together (with the archived logs) stay within a
// budget.Budget: an append past any of them stores nothing. The owner's
// series count and bytes are kept in its usage key,
// <prefix>/_usage/<resource>/<namespace>/<name>/<uid>, written in the
// transaction of every append and deleted with the series.
package metricstore
