package recurringrun

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Reasons of the events of a RecurringRun.
const (
	// ReasonCreated: a run was started.
	ReasonCreated = "Created"
	// ReasonSkipped: due runs were not started, held back by the
	// concurrency policy or beyond the catch-up cap.
	ReasonSkipped = "Skipped"
	// ReasonReplaced: active runs were deleted for a new one (Replace).
	ReasonReplaced = "Replaced"
	// ReasonInvalidSchedule: the schedule cannot be read.
	ReasonInvalidSchedule = "InvalidSchedule"
)

// sync starts the runs of one RecurringRun that are due, deletes those
// replaced or beyond the history limits, writes the status and requeues
// the RecurringRun at its next due time.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.rrs.RecurringRuns(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		logger.V(4).Info("RecurringRun is gone")
		return c.deleteOrphans(ctx, key)
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	sched, err := parseSchedule(stored)
	if err != nil {
		// Validation refuses such a schedule; retrying does not help.
		c.recorder.Event(stored, corev1.EventTypeWarning, ReasonInvalidSchedule, err.Error())
		return nil
	}
	runs, err := c.listRuns(stored)
	if err != nil {
		return fmt.Errorf("list runs of %s: %w", klog.KObj(stored), err)
	}
	now := c.clock.Now()
	p := decide(stored, sched, runs, now, c.maxCatchUp)

	gone := map[string]bool{}
	for _, name := range p.replace {
		if err := c.deleteRun(ctx, stored, name); err != nil {
			return err
		}
		gone[name] = true
	}
	if len(p.replace) > 0 {
		c.recorder.Eventf(stored, corev1.EventTypeNormal, ReasonReplaced, "Deleted active runs %v for a new run", p.replace)
	}
	rr := stored.DeepCopy()
	var created []corev1.ObjectReference
	for i, t := range p.create {
		ref, err := c.createRun(ctx, stored, t, stored.Status.RunCount+int64(i))
		if err != nil {
			return err
		}
		created = append(created, ref)
	}
	for _, name := range p.prune {
		if err := c.deleteRun(ctx, stored, name); err != nil {
			return err
		}
		gone[name] = true
	}
	if n := p.skipped + p.skippedByPolicy; n > 0 {
		c.recorder.Eventf(stored, corev1.EventTypeNormal, ReasonSkipped,
			"Skipped %d due runs (%d beyond the catch-up cap, %d held back by concurrencyPolicy %s)", n, p.skipped, p.skippedByPolicy, stored.Spec.ConcurrencyPolicy)
	}

	setStatus(rr, p, runs, gone, created)
	if !apiequality.Semantic.DeepEqual(rr.Status, stored.Status) {
		if _, err := c.client.MlV1alpha1().RecurringRuns(rr.Namespace).UpdateStatus(ctx, rr, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
			return fmt.Errorf("write status of %s: %w", klog.KObj(rr), err)
		}
	}
	if !p.next.IsZero() {
		c.queue.AddAfter(key, p.next.Sub(now))
	}
	return nil
}

// createRun starts the run of rr due at t; a run of that name that exists
// already was started before (by this or an earlier controller).
func (c *Controller) createRun(ctx context.Context, rr *mlv1alpha1.RecurringRun, t time.Time, index int64) (corev1.ObjectReference, error) {
	opts := metav1.CreateOptions{FieldManager: c.fieldManager}
	ref := corev1.ObjectReference{APIVersion: mlv1alpha1.SchemeGroupVersion.String(), Namespace: rr.Namespace, Name: runName(rr, t)}
	var (
		obj metav1.Object
		err error
	)
	if rr.Spec.RunTemplate.TrainingJob != nil {
		ref.Kind = "TrainingJob"
		obj, err = c.client.MlV1alpha1().TrainingJobs(rr.Namespace).Create(ctx, newTrainingJob(rr, t, index), opts)
	} else {
		ref.Kind = "PipelineRun"
		obj, err = c.client.MlV1alpha1().PipelineRuns(rr.Namespace).Create(ctx, newPipelineRun(rr, t, index), opts)
	}
	switch {
	case apierrors.IsAlreadyExists(err):
		return ref, c.runExists(ctx, rr, ref)
	case err != nil:
		c.recorder.Eventf(rr, corev1.EventTypeWarning, "FailedCreate", "Creating %s %s: %v", ref.Kind, ref.Name, err)
		return ref, fmt.Errorf("create %s %s: %w", ref.Kind, ref.Name, err)
	}
	ref.UID = obj.GetUID()
	c.recorder.Eventf(rr, corev1.EventTypeNormal, ReasonCreated, "Created %s %s for %s", ref.Kind, ref.Name, t.UTC().Format(time.RFC3339))
	return ref, nil
}

// runExists decides about a run that exists already under the name of a
// run of rr: rr started it before (a restart, or a status write that
// failed) and nothing is to be done; or an earlier RecurringRun of the same
// name did, and the sync is retried once that run is deleted with it; or
// it is someone else's object, and the due time is skipped.
func (c *Controller) runExists(ctx context.Context, rr *mlv1alpha1.RecurringRun, ref corev1.ObjectReference) error {
	var (
		existing metav1.Object
		err      error
	)
	if ref.Kind == "TrainingJob" {
		existing, err = c.client.MlV1alpha1().TrainingJobs(rr.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	} else {
		existing, err = c.client.MlV1alpha1().PipelineRuns(rr.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	}
	if err != nil {
		// Gone again, or unreadable: the retry finds out.
		return fmt.Errorf("read existing %s %s: %w", ref.Kind, ref.Name, err)
	}
	owner := metav1.GetControllerOf(existing)
	switch {
	case owner != nil && owner.UID == rr.UID:
		klog.FromContext(ctx).V(2).Info("Run exists already", "run", ref.Name)
		return nil
	case owner != nil && owner.Kind == kind.Kind && owner.Name == rr.Name:
		return fmt.Errorf("%s %s belongs to an earlier RecurringRun %s, waiting for its deletion", ref.Kind, ref.Name, rr.Name)
	}
	c.recorder.Eventf(rr, corev1.EventTypeWarning, ReasonSkipped, "Not starting %s %s: an object of that name exists and is not this RecurringRun's", ref.Kind, ref.Name)
	return nil
}

// deleteRun deletes a run of rr, and its children with it; a run that is
// gone already is fine.
func (c *Controller) deleteRun(ctx context.Context, rr *mlv1alpha1.RecurringRun, name string) error {
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	var err error
	if rr.Spec.RunTemplate.TrainingJob != nil {
		err = c.client.MlV1alpha1().TrainingJobs(rr.Namespace).Delete(ctx, name, opts)
	} else {
		err = c.client.MlV1alpha1().PipelineRuns(rr.Namespace).Delete(ctx, name, opts)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete run %s of %s: %w", name, klog.KObj(rr), err)
	}
	return nil
}

// setStatus writes what the sync observed and did into rr's status.
func setStatus(rr *mlv1alpha1.RecurringRun, p plan, runs []run, gone map[string]bool, created []corev1.ObjectReference) {
	s := &rr.Status
	s.ObservedGeneration = rr.Generation
	if !p.lastSchedule.IsZero() {
		s.LastScheduleTime = &metav1.Time{Time: p.lastSchedule}
	}
	s.NextScheduleTime = nil
	if !p.next.IsZero() {
		s.NextScheduleTime = &metav1.Time{Time: p.next}
	}
	s.RunCount += int64(len(created))
	kindName := "PipelineRun"
	if rr.Spec.RunTemplate.TrainingJob != nil {
		kindName = "TrainingJob"
	}
	var active []corev1.ObjectReference
	for _, r := range runs {
		if r.succeeded && r.completion != nil && (s.LastSuccessfulTime == nil || r.completion.After(s.LastSuccessfulTime.Time)) {
			s.LastSuccessfulTime = &metav1.Time{Time: *r.completion}
		}
		if r.finished || gone[r.name] {
			continue
		}
		active = append(active, corev1.ObjectReference{APIVersion: mlv1alpha1.SchemeGroupVersion.String(), Kind: kindName, Namespace: rr.Namespace, Name: r.name})
	}
	for _, ref := range created {
		if !slices.ContainsFunc(active, func(a corev1.ObjectReference) bool { return a.Name == ref.Name }) {
			active = append(active, corev1.ObjectReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name})
		}
	}
	slices.SortFunc(active, func(a, b corev1.ObjectReference) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	s.Active = active
}
