package profile

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// syncPolicy makes the ResourceQuota and LimitRange of the spec (deleting
// them when the spec has none) and the NetworkPolicy while network
// isolation is on (deleting it when off).
func (c *Controller) syncPolicy(ctx context.Context, s *syncState, owner metav1.OwnerReference) error {
	p := s.p
	var errs []error
	record := func(ch change, err error, kind, name string) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		c.event(p, ch, kind, name, "")
	}

	if q := p.Spec.ResourceQuota; q != nil {
		ch, err := ensure(ctx, c, c.resourceQuotaClient(), resourceQuota(p.Name, *q, owner))
		record(ch, err, "ResourceQuota", QuotaName)
	} else {
		ch, err := remove(ctx, c.resourceQuotaClient(), p.Name, p.Name, QuotaName)
		record(ch, err, "ResourceQuota", QuotaName)
	}
	if l := p.Spec.LimitRange; l != nil {
		ch, err := ensure(ctx, c, c.limitRangeClient(), limitRange(p.Name, *l, owner))
		record(ch, err, "LimitRange", QuotaName)
	} else {
		ch, err := remove(ctx, c.limitRangeClient(), p.Name, p.Name, QuotaName)
		record(ch, err, "LimitRange", QuotaName)
	}
	if isolated(p.Spec.NetworkIsolation) {
		ch, err := ensure(ctx, c, c.networkPolicyClient(), networkPolicy(p.Name, c.systemNamespaces, owner))
		record(ch, err, "NetworkPolicy", NetworkPolicyName)
	} else {
		ch, err := remove(ctx, c.networkPolicyClient(), p.Name, p.Name, NetworkPolicyName)
		record(ch, err, "NetworkPolicy", NetworkPolicyName)
	}
	return utilerrors.NewAggregate(errs)
}

// isolated is spec.networkIsolation with its default, on.
func isolated(v *bool) bool { return v == nil || *v }
