// Package artifactgc deletes the artifacts of PipelineRuns and
// TrainingJobs with their owner, as the metric series and logs of an
// object go with it.
package artifactgc

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// deleteTimeout bounds the deletion of an object's artifacts.
const deleteTimeout = 5 * time.Minute

// DeleteWithOwner makes store delete the artifacts of an object,
// <namespace>/<resource>/<name>/<uid>/ in its namespace's store, once the
// object is gone from etcd, unless its spec.retainArtifacts is true.
// Another AfterDelete hook already set runs first. The deletion runs in
// the background (a bucket may hold many objects); a failure is logged and
// leaves objects under the old UID, which no new object of the same name
// ever reads. Without stores (r nil) there is nothing to delete.
//
// The artifacts of a PipelineRun may be recorded by other runs too: a task
// served from the cache, or reused by a retry, records those of the run
// that computed them. They stay while another run of the namespace records
// them, and go with the last such run (see deleteRunArtifacts).
func DeleteWithOwner(store *genericregistry.Store, resource string, r *artifactstore.Resolver) {
	if r == nil {
		return
	}
	previous := store.AfterDelete
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if previous != nil {
			previous(obj, options)
		}
		if options != nil && len(options.DryRun) > 0 || retains(obj) {
			return
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			klog.Background().Error(err, "Cannot delete the artifacts of a deleted object", "resource", resource)
			return
		}
		prefix := artifactstore.OwnerPrefix(m.GetNamespace(), resource, m.GetName(), string(m.GetUID()))
		if prefix == "" {
			return
		}
		if run, ok := obj.(*ml.PipelineRun); ok && len(records(run)) > 0 {
			// Only a run that recorded artifacts may have lent some or
			// borrowed some: the others need no list of the namespace.
			go deleteRunArtifacts(store, r, run.DeepCopy(), prefix)
			return
		}
		go deletePrefix(r, m.GetNamespace(), prefix)
	}
}

func deletePrefix(r *artifactstore.Resolver, namespace, prefix string) {
	logger := klog.Background().WithValues("prefix", prefix)
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	s, err := r.For(ctx, namespace)
	if err != nil {
		logger.Error(err, "Cannot delete the artifacts of a deleted object")
		return
	}
	if err := s.DeletePrefix(ctx, prefix); err != nil {
		logger.Error(err, "Cannot delete the artifacts of a deleted object")
		return
	}
	logger.V(2).Info("Deleted the artifacts of a deleted object")
}

// retains says whether obj keeps its artifacts after its deletion.
func retains(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *ml.PipelineRun:
		return o.Spec.RetainArtifacts
	case *ml.TrainingJob:
		return o.Spec.RetainArtifacts
	}
	return false
}
