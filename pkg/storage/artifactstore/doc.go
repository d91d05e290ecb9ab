// Package artifactstore keeps the artifacts that tasks and TrainingJobs
// produce and consume (datasets, models, metrics, reports) in object
// storage, out of etcd.
//
// A Store is either a directory tree on the server's host (New with Type
// "filesystem": standalone's default, nothing to install) or a bucket of an
// S3-compatible server (Type "s3": AWS S3, MinIO, SeaweedFS, Ceph RGW …)
// through github.com/minio/minio-go/v7. Both compute the size and the
// sha256 of what they store while streaming it, refuse more than a cap with
// an error wrapping ErrTooLarge, and lay objects out the same way:
//
//	<prefix>/<namespace>/<kind>/<name>/<uid>/<task>/<artifact>
//
// where Key builds everything after the store's own prefix. A directory
// artifact (PushPath of a directory) is one object per file under
// <artifact>/ and a manifest listing them; PullPath writes either kind back
// to a local path. Deleting an owner deletes its artifacts with
// DeletePrefix of its <namespace>/<kind>/<name>/<uid>.
//
// Resolver picks the store of a namespace: the server's own, or the one a
// Secret in that namespace describes (ConfigFromSecret), so teams can use
// their own bucket.
package artifactstore
