package tuningjob

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// deleteOrphans deletes the trials whose controller is the TuningJob key
// and that outlived it. In aggregated mode the garbage collector does the
// same; standalone mode has none, so without this the trials of a deleted
// TuningJob would stay, and keep their processes. The TuningJob is read
// from the API first: only a TuningJob that is really gone (or was
// replaced by a new one of the same name) orphans its trials.
func (c *Controller) deleteOrphans(ctx context.Context, key cache.ObjectName) error {
	var liveUID types.UID
	live, err := c.client.MlV1alpha1().TuningJobs(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
	switch {
	case err == nil:
		liveUID = live.UID
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get tuningjob %s: %w", key, err)
	}
	objs, err := c.labeled(key.Namespace, key.Name)
	if err != nil {
		return err
	}
	// In name order: the lister's order is a map's, and a predictable
	// order makes the controller's writes repeatable.
	slices.SortFunc(objs, func(a, b trialObject) int { return strings.Compare(a.meta().GetName(), b.meta().GetName()) })
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	var gone []*trial
	for _, o := range objs {
		m := o.meta()
		ref := o.controller()
		if ref == nil || ref.Kind != kind.Kind || ref.Name != key.Name || ref.UID == liveUID || m.GetDeletionTimestamp() != nil {
			continue
		}
		klog.FromContext(ctx).V(2).Info("Deleting the trial of a deleted TuningJob", "kind", o.kind(), "trial", klog.KObj(m))
		if o.run != nil {
			err = c.client.MlV1alpha1().PipelineRuns(key.Namespace).Delete(ctx, m.GetName(), opts)
		} else {
			err = c.client.MlV1alpha1().TrainingJobs(key.Namespace).Delete(ctx, m.GetName(), opts)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete orphaned trial %s: %w", klog.KObj(m), err)
		}
		gone = append(gone, &trial{job: o})
	}
	c.forget(gone)
	return nil
}
