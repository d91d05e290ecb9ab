package notebook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// syncState is one sync of one notebook: what was observed, what was
// decided, and what acting did.
type syncState struct {
	// nb is a deep copy of the stored notebook; the sync writes its
	// status.
	nb  *mlv1alpha1.Notebook
	now metav1.Time
	// set and volume are the StatefulSet and the workspace claim as the
	// runtime's cache has them, nil when it has none.
	set    *workload.ServedSetStatus
	volume *workload.VolumeStatus
	// desired is the replica count the notebook asks for, 0 or 1.
	desired int32

	// Results of acting.
	serviceExists, volumeExists bool
	// url is where the Service serves the notebook.
	url       string
	setChange workload.SetChange
	nameTaken error
	// cull is the culling decision of a running notebook with an
	// idleTimeout, nil when none was taken.
	cull         *cullDecision
	requeueAfter time.Duration
}

// sync brings one notebook's StatefulSet, Service and workspace claim in
// line with its spec, culls it when idle, and writes its status, once, if
// it changed.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.notebooks.Notebooks(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		// Deleted: the garbage collector deletes its children.
		logger.V(4).Info("Notebook is gone")
		return nil
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	owner := ownerOf(stored)
	s := &syncState{nb: stored.DeepCopy(), now: metav1.NewTime(c.clock.Now()), desired: desiredReplicas(stored)}
	sets, err := c.runtime.ListServedSets(owner)
	if err != nil {
		return fmt.Errorf("list statefulsets of %s: %w", klog.KObj(stored), err)
	}
	for i := range sets {
		if sets[i].Name == stored.Name {
			s.set = &sets[i]
		}
	}
	volumes, err := c.runtime.ListVolumes(owner)
	if err != nil {
		return fmt.Errorf("list claims of %s: %w", klog.KObj(stored), err)
	}
	for i := range volumes {
		if volumes[i].Name == WorkspaceClaimName(stored.Name) {
			s.volume = &volumes[i]
		}
	}

	errs := c.act(ctx, s, owner)
	s.url = workload.ServiceURL(c.runtime, owner, stored.Name, port(stored))
	computeStatus(s)
	c.probeActivity(ctx, s)

	written, err := c.writeStatus(ctx, stored, s)
	if err != nil {
		errs = append(errs, err)
	} else if s.cull != nil && s.cull.Cull {
		if err := c.stopIdle(ctx, written, s.cull.IdleFor); err != nil {
			errs = append(errs, err)
		}
	}
	if s.requeueAfter > 0 {
		c.queue.AddAfter(key, s.requeueAfter)
	}
	logger.V(4).Info("Synced", "phase", s.nb.Status.Phase, "replicas", s.desired)
	if len(errs) == 1 {
		// Unwrapped, so that the worker can tell a conflict.
		return errs[0]
	}
	return utilerrors.NewAggregate(errs)
}

// act makes the workspace claim, the Service and the StatefulSet at the
// desired replicas, emitting an event for every change. A failed action
// does not stop the others.
func (c *Controller) act(ctx context.Context, s *syncState, owner workload.Owner) []error {
	nb := s.nb
	var errs []error
	fail := func(what string, err error) {
		errs = append(errs, err)
		if errors.Is(err, workload.ErrNotOwned) {
			s.nameTaken = err
		}
		c.recorder.Eventf(nb, corev1.EventTypeWarning, EventFailedCreate, "Error making %s: %v", what, err)
	}

	vol := volume(nb)
	if created, err := c.runtime.EnsureVolume(ctx, owner, vol); err != nil {
		fail("PersistentVolumeClaim "+vol.Name, err)
	} else {
		s.volumeExists = true
		if created {
			c.recorder.Eventf(nb, corev1.EventTypeNormal, EventSuccessfulCreate, "Created PersistentVolumeClaim %s of %s for the workspace", vol.Name, vol.Size.String())
		}
	}
	svc := service(nb)
	if created, err := c.runtime.EnsureService(ctx, owner, svc); err != nil {
		fail("Service "+svc.Name, err)
	} else {
		s.serviceExists = true
		if created {
			c.recorder.Eventf(nb, corev1.EventTypeNormal, EventSuccessfulCreate, "Created Service %s", svc.Name)
		}
	}

	set := servedSet(nb, s.desired)
	change, err := c.runtime.EnsureServedSet(ctx, owner, set)
	if err != nil {
		fail("StatefulSet "+set.Name, err)
		return errs
	}
	s.setChange = change
	switch {
	case change == workload.SetCreated:
		c.recorder.Eventf(nb, corev1.EventTypeNormal, EventSuccessfulCreate, "Created StatefulSet %s with %d replica", set.Name, set.Replicas)
	case change == workload.SetUpdated && s.set != nil && s.set.Replicas != set.Replicas && set.Replicas == 0:
		c.recorder.Eventf(nb, corev1.EventTypeNormal, EventStopped, "Stopped the notebook: scaled StatefulSet %s to 0; the workspace %s is kept", set.Name, vol.Name)
	case change == workload.SetUpdated && s.set != nil && s.set.Replicas != set.Replicas:
		c.recorder.Eventf(nb, corev1.EventTypeNormal, EventStarted, "Started the notebook: scaled StatefulSet %s to 1 with the workspace %s", set.Name, vol.Name)
	case change == workload.SetUpdated:
		c.recorder.Eventf(nb, corev1.EventTypeNormal, EventUpdated, "Updated the pod template of StatefulSet %s", set.Name)
	}
	return errs
}

// probeActivity reads the activity of a ready notebook with an
// idleTimeout into status.lastActivityTime and decides whether to cull
// it. A failed probe culls nothing: the notebook is probed again later.
func (c *Controller) probeActivity(ctx context.Context, s *syncState) {
	timeout := idleTimeout(s.nb)
	since := readySince(s.nb)
	if timeout == 0 || s.desired == 0 || since.IsZero() {
		return
	}
	last, err := c.probe.LastActivity(ctx, s.nb)
	if err != nil {
		klog.FromContext(ctx).V(2).Info("Cannot read the notebook's activity", "err", err)
		s.requeueAfter = c.probeInterval
		return
	}
	if !last.IsZero() {
		if last.After(s.now.Time) {
			last = s.now.Time
		}
		if s.nb.Status.LastActivityTime == nil || last.After(s.nb.Status.LastActivityTime.Time) {
			t := metav1.NewTime(last)
			s.nb.Status.LastActivityTime = &t
		}
	}
	var lastActivity time.Time
	if s.nb.Status.LastActivityTime != nil {
		lastActivity = s.nb.Status.LastActivityTime.Time
	}
	d := decideCull(s.now.Time, lastActivity, since, timeout, c.probeInterval)
	s.cull = &d
	s.requeueAfter = d.RecheckAfter
}

// writeStatus writes the status when it differs from the stored
// notebook's, and returns the notebook as stored afterwards.
func (c *Controller) writeStatus(ctx context.Context, stored *mlv1alpha1.Notebook, s *syncState) (*mlv1alpha1.Notebook, error) {
	if apiequality.Semantic.DeepEqual(stored.Status, s.nb.Status) {
		return stored, nil
	}
	written, err := c.client.MlV1alpha1().Notebooks(s.nb.Namespace).UpdateStatus(ctx, s.nb, metav1.UpdateOptions{FieldManager: c.fieldManager})
	if err != nil {
		return nil, fmt.Errorf("update status of %s: %w", klog.KObj(s.nb), err)
	}
	if readySince(written).After(readySince(stored)) {
		c.recorder.Eventf(stored, corev1.EventTypeNormal, ReasonRunning, "The notebook is ready at %s", written.Status.URL)
	}
	if r, ok := newProblem(stored, written); ok {
		c.recorder.Event(stored, corev1.EventTypeWarning, r.Reason, r.Message)
	}
	return written, nil
}

// stopIdle stops an idle notebook the way a user would: spec.stopped set
// to true, on the version of the notebook the decision was taken on.
// `kubectl scale --replicas=1` or `stopped: false` starts it again.
func (c *Controller) stopIdle(ctx context.Context, nb *mlv1alpha1.Notebook, idleFor time.Duration) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": nb.ResourceVersion},
		"spec":     map[string]any{"stopped": true},
	})
	if err != nil {
		return err
	}
	_, err = c.client.MlV1alpha1().Notebooks(nb.Namespace).Patch(ctx, nb.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.fieldManager})
	if err != nil {
		return fmt.Errorf("stop idle %s: %w", klog.KObj(nb), err)
	}
	last := "no kernel activity since it started"
	if t := nb.Status.LastActivityTime; t != nil && t.After(readySince(nb)) {
		last = "last kernel activity at " + t.UTC().Format(time.RFC3339)
	}
	c.recorder.Eventf(nb, corev1.EventTypeNormal, EventCulled, "Stopped after %s idle (idleTimeout %s, %s); the workspace %s is kept",
		idleFor.Round(time.Second), nb.Spec.IdleTimeout, last, WorkspaceClaimName(nb.Name))
	klog.FromContext(ctx).V(2).Info("Stopped an idle notebook", "idleFor", idleFor)
	return nil
}
