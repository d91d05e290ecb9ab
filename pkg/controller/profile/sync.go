package profile

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// syncState is one sync of one profile: what acting found and did, for
// the status.
type syncState struct {
	// p is a deep copy of the stored profile; the sync writes its status.
	p   *mlv1alpha1.Profile
	now metav1.Time
	// ns is the profile's namespace when it is the profile's, nil
	// otherwise.
	ns *corev1.Namespace
	// nsReason and nsMessage say why ns is nil or not active.
	nsReason, nsMessage string
	// rbacErr and quotaErr are the failures of the RBAC and policy steps.
	rbacErr, quotaErr error
}

// sync brings one profile's namespace and its children in line with the
// spec, or, for a deleted profile, retains or deletes the namespace and
// lets the profile go; then it writes the status, once, if it changed.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.profiles.Get(key.Name)
	if apierrors.IsNotFound(err) {
		logger.V(4).Info("Profile is gone")
		return nil
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return c.finalize(ctx, stored)
	}
	if !slices.Contains(stored.Finalizers, Finalizer) {
		p := stored.DeepCopy()
		p.Finalizers = append(p.Finalizers, Finalizer)
		if stored, err = c.client.MlV1alpha1().Profiles().Update(ctx, p, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
			return fmt.Errorf("add the finalizer of %s: %w", klog.KObj(p), err)
		}
	}

	s := &syncState{p: stored.DeepCopy(), now: metav1.NewTime(c.clock.Now())}
	var errs []error
	if err := c.syncNamespace(ctx, s); err != nil {
		errs = append(errs, err)
	}
	if s.ns != nil && s.ns.DeletionTimestamp == nil {
		owner := ownerRef(stored)
		s.rbacErr = c.syncRBAC(ctx, s, owner)
		s.quotaErr = c.syncPolicy(ctx, s, owner)
		errs = append(errs, s.rbacErr, s.quotaErr)
	}
	c.computeStatus(s)
	if err := c.writeStatus(ctx, stored, s.p); err != nil {
		errs = append(errs, err)
	}
	logger.V(4).Info("Synced", "phase", s.p.Status.Phase)
	return utilerrors.NewAggregate(errs)
}

// ownerRef makes the profile the controller of a child.
func ownerRef(p *mlv1alpha1.Profile) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         mlv1alpha1.SchemeGroupVersion.String(),
		Kind:               "Profile",
		Name:               p.Name,
		UID:                p.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

// isOurs tells whether a namespace is the profile's: labelled with it.
func isOurs(ns *corev1.Namespace, profile string) bool {
	return ns.Labels[ProfileLabel] == profile
}

// syncNamespace makes the profile's namespace or brings its labels and
// annotations back to the spec; a namespace of that name that is not the
// profile's is refused.
func (c *Controller) syncNamespace(ctx context.Context, s *syncState) error {
	p := s.p
	desired := namespace(p.Name, string(p.Spec.PodSecurity), p.Spec.NamespaceLabels, p.Spec.NamespaceAnnotations)
	existing, err := c.namespaces.Get(p.Name)
	if apierrors.IsNotFound(err) {
		var created *corev1.Namespace
		created, err = c.kube.CoreV1().Namespaces().Create(ctx, desired, metav1.CreateOptions{FieldManager: c.fieldManager})
		if err == nil {
			c.recorder.Eventf(p, corev1.EventTypeNormal, EventCreated, "Created namespace %s", p.Name)
			s.ns = created
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			s.nsReason, s.nsMessage = ReasonNamespaceFailed, err.Error()
			return fmt.Errorf("create namespace %s: %w", p.Name, err)
		}
		// Not in the cache of the controller's namespaces: someone
		// else's, or ours and the cache is behind.
		existing, err = c.kube.CoreV1().Namespaces().Get(ctx, p.Name, metav1.GetOptions{})
	}
	if err != nil {
		s.nsReason, s.nsMessage = ReasonNamespaceFailed, err.Error()
		return fmt.Errorf("get namespace %s: %w", p.Name, err)
	}
	if !isOurs(existing, p.Name) {
		s.nsReason = ReasonNamespaceExists
		s.nsMessage = fmt.Sprintf("namespace %s exists and is not this profile's (no label %s=%s): it is not adopted; delete or rename it, or choose another profile name", p.Name, ProfileLabel, p.Name)
		if !conditionIs(p, mlv1alpha1.ProfileNamespaceReady, metav1.ConditionFalse, ReasonNamespaceExists) {
			c.recorder.Event(p, corev1.EventTypeWarning, ReasonNamespaceExists, s.nsMessage)
		}
		return nil
	}
	if existing.DeletionTimestamp != nil {
		s.ns = existing
		s.nsReason = ReasonNamespaceTerminating
		s.nsMessage = fmt.Sprintf("namespace %s is being deleted; it is made again once it is gone", p.Name)
		return nil
	}
	merged := existing.DeepCopy()
	dropped := dropUnapplied(merged, desired)
	if !mergeMeta(merged, desired) && !dropped {
		s.ns = existing
		return nil
	}
	updated, err := c.kube.CoreV1().Namespaces().Update(ctx, merged, metav1.UpdateOptions{FieldManager: c.fieldManager})
	if err != nil {
		s.ns = existing
		s.nsReason, s.nsMessage = ReasonNamespaceFailed, err.Error()
		return fmt.Errorf("update namespace %s: %w", p.Name, err)
	}
	c.recorder.Eventf(p, corev1.EventTypeNormal, EventUpdated, "Updated the labels and annotations of namespace %s", p.Name)
	s.ns = updated
	return nil
}

// conditionIs tells whether the profile's condition of type t already has
// that status and reason, so a repeated refusal is not repeated as events.
func conditionIs(p *mlv1alpha1.Profile, t string, status metav1.ConditionStatus, reason string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == status && c.Reason == reason
		}
	}
	return false
}

// event records what ensure or remove did to a child.
func (c *Controller) event(p *mlv1alpha1.Profile, ch change, kind, name, why string) {
	if ch == unchanged {
		return
	}
	c.recorder.Eventf(p, corev1.EventTypeNormal, string(ch), "%s %s %s%s", ch, kind, name, why)
}
