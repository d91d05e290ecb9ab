package model

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// checkTimeout bounds one check of a source.
const checkTimeout = 15 * time.Second

// checkSource makes a resolved source that cannot be read final: the
// model fails with a condition naming the URI and why (a missing object,
// refused credentials, a file outside what local processes may read).
// A source the stored status already serves for this generation is not
// checked again, so an S3 store is asked once per change, not per sync.
func (c *Controller) checkSource(ctx context.Context, m *mlv1alpha1.Model, r resolution) resolution {
	if c.fetcher == nil || !r.resolved() || alreadyServed(m, r.URI) {
		return r
	}
	if !pulledSchemes[schemeOf(r.URI)] {
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := c.fetcher.Check(ctx, m.Namespace, r.URI); err != nil {
		return resolution{Reason: ReasonSourceUnavailable, Final: true, Message: fmt.Sprintf("Cannot read the model files at %s: %v", r.URI, err)}
	}
	return r
}

// alreadyServed says whether the stored status serves uri, resolved for
// the current generation.
func alreadyServed(m *mlv1alpha1.Model, uri string) bool {
	if m.Status.ModelURI != uri {
		return false
	}
	cond := meta.FindStatusCondition(m.Status.Conditions, ConditionSourceResolved)
	return cond != nil && cond.Status == "True" && cond.ObservedGeneration == m.Generation
}
