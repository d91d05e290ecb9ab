// Package bench holds the benchmarks of ml-apiserver, run by `make bench`;
// each prints a ratio table and reports its numbers as metrics.
//
// BenchmarkTrainingJobs measures the standalone server against the etcd it
// stores objects in: TrainingJob create, get and list through the server
// over HTTPS with JSON, next to raw etcd put and range of the same
// serialized bytes on the same embedded etcd.
//
// BenchmarkProtobuf measures the same create, get and typed list with JSON
// and with protobuf, on the wire and in etcd.
//
// BenchmarkAggregation starts a local cluster with hack/local-up.sh and
// measures TrainingJob create, get, list and watch delivery three ways:
// directly to ml-apiserver, through kube-apiserver's aggregator, and as a
// CRD with the same schema served by the same kube-apiserver on the same
// etcd; the first two in protobuf too.
//
// BenchmarkArtifactFilesystem and BenchmarkArtifactS3 move a 1 GiB artifact
// in and out of the filesystem store (against cp) and the S3 store on a
// real SeaweedFS (against minio-go's own FPutObject and FGetObject).
package bench
