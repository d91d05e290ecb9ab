package pipelinerun

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// sync plans one run's next step, acts on its pods, and writes its status
// once, if it changed.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.runs.PipelineRuns(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		// Deleted: the garbage collector deletes its pods.
		logger.V(4).Info("PipelineRun is gone")
		c.createFailures.take(key)
		return nil
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	now := c.clock.Now()
	if stored.Status.CompletionTime != nil && plan.IsFinished(ml.PipelineRunPhase(stored.Status.Phase)) {
		return c.expire(ctx, key, stored, now)
	}
	if legacySnapshot(stored) {
		return c.migrateSnapshot(ctx, stored)
	}
	if stored.Status.PipelineSpec == nil && stored.Status.Pipeline == nil {
		return c.fail(ctx, stored, now, ReasonSnapshotMissing,
			"status.pipeline is empty: the run's pipeline is resolved and snapshotted at create time by the PipelineRunResolve admission plugin, which did not run for this run; create the run again")
	}
	in, err := internal(stored)
	if err != nil {
		return c.fail(ctx, stored, now, ReasonInvalidSnapshot, fmt.Sprintf("cannot read the run: %v", err))
	}
	if in.Status.PipelineSpec == nil {
		spec, err := c.snapshots.spec(ctx, stored)
		switch {
		case apierrors.IsNotFound(err):
			return c.fail(ctx, stored, now, ReasonSnapshotMissing, fmt.Sprintf("cannot read the pipeline snapshot: %v", err))
		case err != nil:
			return fmt.Errorf("read the pipeline snapshot of %s: %w", klog.KObj(stored), err)
		}
		in.Status.PipelineSpec = spec
	}
	// The instances of forEach tasks live apart from the run: the planner
	// works on them, the status keeps a summary.
	forEach := forEachTasks(in.Status.PipelineSpec)
	var instances []ml.PipelineTaskStatus
	if len(forEach) > 0 {
		if instances, err = c.loadInstances(ctx, stored); err != nil {
			return err
		}
		in.Status.Tasks = splice(in.Status.Tasks, instances, forEach)
	}
	owner := ownerOf(stored)
	replicas, err := c.runtime.ListReplicas(owner)
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", klog.KObj(stored), err)
	}
	pods := make(map[string]workload.ReplicaStatus, len(replicas))
	for _, r := range c.createFailures.take(key) {
		pods[r.Name] = r
	}
	for _, r := range replicas {
		pods[r.Name] = r
	}
	var runs plan.Cache
	if c.cacheRetention > 0 {
		runs = runCache{indexer: c.runsIndexer, namespace: stored.Namespace, notBefore: now.Add(-c.cacheRetention)}
	}

	res := plan.Plan(plan.Input{Run: in, Pods: pods, Now: now, Cache: runs, MaxForEachItems: c.maxForEach, WhenCELCostLimit: c.whenCELCost,
		MaxRunInstances: c.maxRunInst})
	errs := c.act(ctx, stored, owner, res)
	if len(forEach) > 0 {
		if instances, err = c.storeInstances(ctx, stored, &res.Status, instances, forEach); err != nil {
			return utilerrors.NewAggregate(append(errs, err))
		}
	}

	status, err := external(&res.Status)
	if err != nil {
		return fmt.Errorf("convert the status of %s: %w", klog.KObj(stored), err)
	}
	// The snapshot stays where it is: the server keeps it whatever the
	// status update says.
	status.Pipeline, status.PipelineSpec = stored.Status.Pipeline, stored.Status.PipelineSpec
	status.ObservedGeneration = stored.Generation
	setConditions(&status, stored.Generation, res.Reason, res.Message, now)
	if err := c.writeStatus(ctx, stored, status, res.Events); err != nil {
		errs = append(errs, err)
		c.instanceCache.forget(stored.UID)
	} else if len(forEach) > 0 && !res.Finished() {
		c.instanceCache.set(stored.UID, status.Tasks, instances)
	} else {
		c.instanceCache.forget(stored.UID)
	}
	requeue := res.RequeueAfter
	if res.Finished() {
		if ttl := stored.Spec.TTLSecondsAfterFinished; ttl != nil {
			requeue = time.Duration(*ttl) * time.Second
		}
	}
	if requeue > 0 {
		c.queue.AddAfter(key, requeue)
	}
	logger.V(4).Info("Synced", "phase", status.Phase, "created", len(res.Create), "deleted", len(res.Delete), "requeueAfter", requeue)
	if len(errs) == 1 {
		return errs[0]
	}
	return utilerrors.NewAggregate(errs)
}

// fail ends a run that cannot run.
func (c *Controller) fail(ctx context.Context, stored *mlv1alpha1.PipelineRun, now time.Time, reason, message string) error {
	status := *stored.Status.DeepCopy()
	status.Phase = mlv1alpha1.PipelineRunFailed
	// The snapshot stays where it is: the server keeps it whatever the
	// status update says.
	status.Pipeline, status.PipelineSpec = stored.Status.Pipeline, stored.Status.PipelineSpec
	status.ObservedGeneration = stored.Generation
	t := metav1.NewTime(now)
	if status.StartTime == nil {
		status.StartTime = &t
	}
	status.CompletionTime = &t
	setConditions(&status, stored.Generation, reason, message, now)
	return c.writeStatus(ctx, stored, status, []plan.Event{{Type: corev1.EventTypeWarning, Reason: reason, Message: message}})
}

// writeStatus writes status when it differs from the stored run's, then
// emits the events of the sync: they describe what the write made true.
func (c *Controller) writeStatus(ctx context.Context, stored *mlv1alpha1.PipelineRun, status mlv1alpha1.PipelineRunStatus, events []plan.Event) error {
	if apiequality.Semantic.DeepEqual(stored.Status, status) {
		return nil
	}
	run := stored.DeepCopy()
	run.Status = status
	if _, err := c.client.MlV1alpha1().PipelineRuns(run.Namespace).UpdateStatus(ctx, run, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
		return fmt.Errorf("update status of %s: %w", klog.KObj(run), err)
	}
	for _, e := range events {
		c.recorder.Event(stored, e.Type, e.Reason, e.Message)
	}
	return nil
}

// expire acts on a run whose end is stored: it deletes the pods of its
// tasks (the runtime archives their logs first, so the log subresource
// still serves them), and deletes the run ttlSecondsAfterFinished after
// it ended, if it is still the version the decision was made on, and
// otherwise asks for a sync at that time.
func (c *Controller) expire(ctx context.Context, key cache.ObjectName, run *mlv1alpha1.PipelineRun, now time.Time) error {
	if err := c.deletePods(ctx, run); err != nil {
		return err
	}
	ttl := run.Spec.TTLSecondsAfterFinished
	if ttl == nil {
		return nil
	}
	expiry := run.Status.CompletionTime.Add(time.Duration(*ttl) * time.Second)
	if left := expiry.Sub(now); left > 0 {
		c.queue.AddAfter(key, left)
		return nil
	}
	uid, rv := run.UID, run.ResourceVersion
	policy := metav1.DeletePropagationBackground
	err := c.client.MlV1alpha1().PipelineRuns(run.Namespace).Delete(ctx, run.Name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
		PropagationPolicy: &policy,
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s after ttlSecondsAfterFinished: %w", klog.KObj(run), err)
	}
	klog.FromContext(ctx).V(2).Info("Deleted PipelineRun after ttlSecondsAfterFinished", "ttlSecondsAfterFinished", *ttl)
	return nil
}

// deletePods deletes the pods of an ended run that are not going already.
func (c *Controller) deletePods(ctx context.Context, run *mlv1alpha1.PipelineRun) error {
	owner := ownerOf(run)
	replicas, err := c.runtime.ListReplicas(owner)
	if err != nil {
		return fmt.Errorf("list pods of %s: %w", klog.KObj(run), err)
	}
	var doomed []workload.ReplicaStatus
	for _, r := range replicas {
		if !r.Terminating {
			doomed = append(doomed, r)
		}
	}
	if len(doomed) == 0 {
		return nil
	}
	var mu sync.Mutex
	var deleted []string
	var errs []error
	workqueue.ParallelizeUntil(ctx, DefaultCreateParallelism, len(doomed), func(i int) {
		err := c.runtime.DeleteReplica(ctx, owner, doomed[i].Name, doomed[i].UID)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		deleted = append(deleted, doomed[i].Name)
	})
	if len(deleted) > 0 {
		slices.Sort(deleted)
		c.recorder.Eventf(run, corev1.EventTypeNormal, EventSuccessfulDelete, "Deleted %s: the run has ended and their logs are archived", podList(deleted))
	}
	if len(errs) > 0 {
		c.recorder.Eventf(run, corev1.EventTypeWarning, EventFailedDelete, "Error deleting %d pods: %v", len(errs), errs[0])
	}
	return utilerrors.NewAggregate(errs)
}
