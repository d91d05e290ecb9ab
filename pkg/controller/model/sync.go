package model

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// syncState is one sync of one model: what was observed, what was
// decided, and what acting did.
type syncState struct {
	// model is a deep copy of the stored model; computeStatus writes its
	// status.
	model *mlv1alpha1.Model
	now   metav1.Time
	// sets are the model's Deployments, as the runtime's cache has them,
	// by name.
	sets map[string]workload.ServedSetStatus

	// Decisions: the sources, and the replicas of each track.
	source, canarySource resolution
	stable, canary       int32

	// Results of acting.
	serviceExists bool
	// url is where the Service serves the model.
	url string
	// changed are the Deployments created or updated now: their status
	// in the cache is not theirs yet.
	changed map[string]workload.SetChange
	// nameTaken is the error about a child name another object holds.
	nameTaken error
	// noRuntime says why the model has no server process, if it has none.
	noRuntime string
}

// event is an event to emit once the status was written.
type event struct {
	eventType, reason, message string
}

// hasCanary says whether a canary runs: spec.canary is set and its
// source resolved.
func (s *syncState) hasCanary() bool {
	return s.model.Spec.Canary != nil && s.canarySource.resolved()
}

// sync brings one model's Deployments and Service in line with its spec
// and writes its status, once, if it changed.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.models.Models(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		// Deleted: the garbage collector deletes its children.
		logger.V(4).Info("Model is gone")
		return nil
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	owner := ownerOf(stored)
	sets, err := c.runtime.ListServedSets(owner)
	if err != nil {
		return fmt.Errorf("list deployments of %s: %w", klog.KObj(stored), err)
	}
	s := &syncState{
		model:   stored.DeepCopy(),
		now:     metav1.NewTime(c.clock.Now()),
		sets:    map[string]workload.ServedSetStatus{},
		changed: map[string]workload.SetChange{},
	}
	for _, set := range sets {
		s.sets[set.Name] = set
	}
	if err := c.resolve(ctx, s); err != nil {
		return err
	}
	s.noRuntime = missingRuntime(s.model)
	var errs []error
	if s.source.resolved() && s.noRuntime == "" {
		errs = c.act(ctx, s, owner)
	}
	s.url = workload.ServiceURL(c.runtime, owner, stored.Name, port(stored))
	computeStatus(s)
	if err := c.writeStatus(ctx, stored, s); err != nil {
		errs = append(errs, err)
	}
	logger.V(4).Info("Synced", "phase", s.model.Status.Phase, "stable", s.stable, "canary", s.canary)
	if len(errs) == 1 {
		// Unwrapped, so that the worker can tell a conflict.
		return errs[0]
	}
	return utilerrors.NewAggregate(errs)
}

// resolve resolves the sources and splits the replicas between the
// tracks. An unresolved canary gets no replicas.
func (c *Controller) resolve(ctx context.Context, s *syncState) error {
	m := s.model
	var err error
	if s.source, err = resolveSource(m.Spec.Source, m.Namespace, c.producers()); err != nil {
		return err
	}
	s.source = c.checkSource(ctx, m, keepResolved(m, s.source))
	percent := int32(0)
	if m.Spec.Canary != nil {
		if s.canarySource, err = resolveSource(m.Spec.Canary.Source, m.Namespace, c.producers()); err != nil {
			return err
		}
		if s.canarySource.resolved() {
			percent = m.Spec.Canary.TrafficPercent
		}
	}
	s.stable, s.canary = SplitReplicas(desiredReplicas(m), percent)
	return nil
}

// act makes the Service and the Deployments of the tracks, and deletes a
// canary Deployment that should not run any more. Events about the
// children are emitted as they change; a failed action does not stop the
// others.
func (c *Controller) act(ctx context.Context, s *syncState, owner workload.Owner) []error {
	m := s.model
	var errs []error
	fail := func(what string, err error) {
		errs = append(errs, err)
		if errors.Is(err, workload.ErrNotOwned) {
			s.nameTaken = err
		}
		c.recorder.Eventf(m, corev1.EventTypeWarning, EventFailedCreate, "Error making %s: %v", what, err)
	}

	svc := service(m)
	created, err := c.runtime.EnsureService(ctx, owner, svc)
	switch {
	case err != nil:
		fail("Service "+svc.Name, err)
	default:
		s.serviceExists = true
		if created {
			c.recorder.Eventf(m, corev1.EventTypeNormal, EventSuccessfulCreate, "Created Service %s", svc.Name)
		}
	}

	tracks := []workload.ServedSetSpec{servedSet(m, TrackStable, s.source.URI, s.stable, c.pull)}
	if s.hasCanary() {
		tracks = append(tracks, servedSet(m, TrackCanary, s.canarySource.URI, s.canary, c.pull))
	} else if old, ok := s.sets[DeploymentName(m.Name, TrackCanary)]; ok {
		if err := c.runtime.DeleteServedSet(ctx, owner, old.Name, old.UID); err != nil {
			errs = append(errs, err)
		} else {
			delete(s.sets, old.Name)
			c.recorder.Eventf(m, corev1.EventTypeNormal, EventSuccessfulDelete, "Deleted canary Deployment %s", old.Name)
		}
	}
	for _, spec := range tracks {
		old, existed := s.sets[spec.Name]
		change, err := c.runtime.EnsureServedSet(ctx, owner, spec)
		if err != nil {
			fail("Deployment "+spec.Name, err)
			continue
		}
		s.changed[spec.Name] = change
		switch {
		case change == workload.SetCreated:
			c.recorder.Eventf(m, corev1.EventTypeNormal, EventSuccessfulCreate, "Created Deployment %s with %d replicas", spec.Name, spec.Replicas)
		case change == workload.SetUpdated && existed && old.Replicas != spec.Replicas:
			c.recorder.Eventf(m, corev1.EventTypeNormal, EventScaled, "Scaled Deployment %s from %d to %d replicas", spec.Name, old.Replicas, spec.Replicas)
		case change == workload.SetUpdated:
			c.recorder.Eventf(m, corev1.EventTypeNormal, EventUpdated, "Updated the server of Deployment %s", spec.Name)
		}
	}
	return errs
}

// writeStatus writes the status when it differs from the stored model's,
// then emits the events of the transitions it made true.
func (c *Controller) writeStatus(ctx context.Context, stored *mlv1alpha1.Model, s *syncState) error {
	if apiequality.Semantic.DeepEqual(stored.Status, s.model.Status) {
		return nil
	}
	_, err := c.client.MlV1alpha1().Models(s.model.Namespace).UpdateStatus(ctx, s.model, metav1.UpdateOptions{FieldManager: c.fieldManager})
	if err != nil {
		return fmt.Errorf("update status of %s: %w", klog.KObj(s.model), err)
	}
	for _, e := range transitionEvents(stored, s.model) {
		c.recorder.Event(stored, e.eventType, e.reason, e.message)
	}
	return nil
}

// transitionEvents are the events of the status change from old to new:
// the source resolving or failing, the model becoming ready or failing.
func transitionEvents(old, new *mlv1alpha1.Model) []event {
	var events []event
	changed := func(t string) *metav1.Condition {
		n := meta.FindStatusCondition(new.Status.Conditions, t)
		o := meta.FindStatusCondition(old.Status.Conditions, t)
		if n == nil || (o != nil && o.Status == n.Status && o.Reason == n.Reason) {
			return nil
		}
		return n
	}
	if c := changed(ConditionSourceResolved); c != nil {
		eventType := corev1.EventTypeNormal
		if c.Status == metav1.ConditionFalse && new.Status.Phase == mlv1alpha1.ModelFailed {
			eventType = corev1.EventTypeWarning
		}
		events = append(events, event{eventType, c.Reason, c.Message})
	}
	if c := changed(ConditionReady); c != nil {
		switch {
		case c.Status == metav1.ConditionTrue:
			events = append(events, event{corev1.EventTypeNormal, EventReady, c.Message})
		case new.Status.Phase == mlv1alpha1.ModelFailed && meta.IsStatusConditionTrue(new.Status.Conditions, ConditionSourceResolved):
			// A failed source has had its event already.
			events = append(events, event{corev1.EventTypeWarning, c.Reason, c.Message})
		case new.Status.Phase == mlv1alpha1.ModelLoading && c.Reason != ReasonLoading && c.Reason != ReasonWaitingForProcessSlot:
			// Its pods do not become ready, and the reason says why
			// (CrashLoopBackOff, ImagePullBackOff).
			events = append(events, event{corev1.EventTypeWarning, c.Reason, c.Message})
		}
	}
	return events
}
