package profile

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// computeStatus sets the profile's conditions, phase, namespace and quota
// from what the sync found and did.
func (c *Controller) computeStatus(s *syncState) {
	p := s.p
	st := &p.Status
	st.ObservedGeneration = p.Generation
	set := func(t string, status metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: t, Status: status, Reason: reason, Message: message,
			ObservedGeneration: p.Generation, LastTransitionTime: s.now,
		})
	}

	nsReady := s.ns != nil && s.nsReason == ""
	st.Namespace = ""
	if s.ns != nil {
		st.Namespace = s.ns.Name
	}
	if nsReady {
		set(mlv1alpha1.ProfileNamespaceReady, metav1.ConditionTrue, ReasonNamespaceActive, fmt.Sprintf("namespace %s is the profile's", p.Name))
	} else {
		set(mlv1alpha1.ProfileNamespaceReady, metav1.ConditionFalse, s.nsReason, s.nsMessage)
	}

	switch {
	case !nsReady:
		set(mlv1alpha1.ProfileRBACReady, metav1.ConditionFalse, ReasonNamespaceNotReady, "waiting for the namespace")
	case s.rbacErr != nil:
		set(mlv1alpha1.ProfileRBACReady, metav1.ConditionFalse, ReasonBindingsFailed, s.rbacErr.Error())
	default:
		set(mlv1alpha1.ProfileRBACReady, metav1.ConditionTrue, ReasonBindingsInSync,
			fmt.Sprintf("the owner and %d contributor(s) are bound in namespace %s", len(p.Spec.Contributors), p.Name))
	}

	st.Quota = nil
	switch {
	case !nsReady:
		set(mlv1alpha1.ProfileQuotaReady, metav1.ConditionFalse, ReasonNamespaceNotReady, "waiting for the namespace")
	case s.quotaErr != nil:
		set(mlv1alpha1.ProfileQuotaReady, metav1.ConditionFalse, ReasonQuotaFailed, s.quotaErr.Error())
	default:
		set(mlv1alpha1.ProfileQuotaReady, metav1.ConditionTrue, ReasonQuotaApplied, "the quota, limits and network policy of the spec are applied")
		if p.Spec.ResourceQuota != nil {
			if q, err := c.resourceQuotas.ResourceQuotas(p.Name).Get(QuotaName); err == nil && (len(q.Status.Hard) > 0 || len(q.Status.Used) > 0) {
				st.Quota = q.Status.DeepCopy()
			}
		}
	}

	switch {
	case s.nsReason == ReasonNamespaceExists:
		st.Phase = mlv1alpha1.ProfileFailed
	case nsReady && s.rbacErr == nil && s.quotaErr == nil:
		st.Phase = mlv1alpha1.ProfileReady
	default:
		st.Phase = mlv1alpha1.ProfilePending
	}
}

// writeStatus writes p's status when it differs from the stored profile's.
func (c *Controller) writeStatus(ctx context.Context, stored, p *mlv1alpha1.Profile) error {
	if apiequality.Semantic.DeepEqual(stored.Status, p.Status) {
		return nil
	}
	if _, err := c.client.MlV1alpha1().Profiles().UpdateStatus(ctx, p, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
		return fmt.Errorf("update status of %s: %w", klog.KObj(p), err)
	}
	return nil
}
