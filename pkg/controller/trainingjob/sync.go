package trainingjob

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// steps decide, in order, what a sync does. Each reads and writes the
// syncState only.
var steps = []func(*syncState){
	countFailures,
	checkCompletion,
	suspendOrStart,
	checkDeadline,
	manageReplicas,
	holdForBackoff,
	cleanup,
}

// sync brings one job's pods and Service in line with its spec and writes
// its status, once, if it changed.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.jobs.TrainingJobs(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		// Deleted: the garbage collector deletes its pods and Service.
		logger.V(4).Info("TrainingJob is gone")
		return nil
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	owner := ownerOf(stored)
	replicas, err := c.runtime.ListReplicas(owner)
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", klog.KObj(stored), err)
	}

	s := newSyncState(stored.DeepCopy(), replicas, c.clock.Now())
	s.backoff = c.backoff
	for _, step := range steps {
		step(s)
	}
	if s.deleteJob {
		return c.deleteExpired(ctx, stored)
	}
	errs := c.act(ctx, s, owner)
	computeStatus(s)

	if err := c.writeStatus(ctx, stored, s); err != nil {
		errs = append(errs, err)
	}
	if s.requeueAfter > 0 {
		logger.V(4).Info("Syncing again later", "after", s.requeueAfter)
		c.queue.AddAfter(key, s.requeueAfter)
	}
	logger.V(4).Info("Synced", "phase", s.job.Status.Phase, "replicas", s.job.Status.Replicas,
		"created", len(s.created), "deleted", len(s.deleted))
	if len(errs) == 1 {
		// Unwrapped, so that the worker can tell a conflict.
		return errs[0]
	}
	return utilerrors.NewAggregate(errs)
}

// writeStatus writes the status (and the counted-failures annotation)
// when it differs from the stored job's, then emits the events of the
// sync: they describe what the write made true.
func (c *Controller) writeStatus(ctx context.Context, stored *mlv1alpha1.TrainingJob, s *syncState) error {
	if apiequality.Semantic.DeepEqual(stored.Status, s.job.Status) &&
		stored.Annotations[mlv1alpha1.CountedFailuresAnnotation] == s.job.Annotations[mlv1alpha1.CountedFailuresAnnotation] {
		return nil
	}
	_, err := c.client.MlV1alpha1().TrainingJobs(s.job.Namespace).UpdateStatus(ctx, s.job, metav1.UpdateOptions{FieldManager: c.fieldManager})
	if err != nil {
		return fmt.Errorf("update status of %s: %w", klog.KObj(s.job), err)
	}
	for _, e := range s.events {
		c.recorder.Event(stored, e.eventType, e.reason, e.message)
	}
	return nil
}

// deleteExpired deletes a job past its ttlSecondsAfterFinished, if it is
// still the version the decision was made on.
func (c *Controller) deleteExpired(ctx context.Context, job *mlv1alpha1.TrainingJob) error {
	uid, rv := job.UID, job.ResourceVersion
	policy := metav1.DeletePropagationBackground
	err := c.client.MlV1alpha1().TrainingJobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
		PropagationPolicy: &policy,
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s after ttlSecondsAfterFinished: %w", klog.KObj(job), err)
	}
	klog.FromContext(ctx).V(2).Info("Deleted TrainingJob after ttlSecondsAfterFinished", "ttlSecondsAfterFinished", *job.Spec.TTLSecondsAfterFinished)
	return nil
}
