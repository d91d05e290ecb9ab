package recurringrun

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// deleteOrphans deletes the runs whose controller is the RecurringRun key
// and that outlived it. In aggregated mode the garbage collector does the
// same; standalone mode has none, so without this the runs of a deleted
// RecurringRun would stay, and keep their processes. The RecurringRun is
// read from the API first: only a RecurringRun that is really gone (or
// was replaced by a new one of the same name) orphans its runs.
func (c *Controller) deleteOrphans(ctx context.Context, key cache.ObjectName) error {
	var liveUID types.UID
	live, err := c.client.MlV1alpha1().RecurringRuns(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
	switch {
	case err == nil:
		liveUID = live.UID
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get recurringrun %s: %w", key, err)
	}
	orphaned := func(o metav1.Object) bool {
		ref := metav1.GetControllerOf(o)
		return ref != nil && ref.Kind == kind.Kind && ref.Name == key.Name && ref.UID != liveUID
	}
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.RecurringRunNameLabel: key.Name})
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	plrs, err := c.plrs.PipelineRuns(key.Namespace).List(sel)
	if err != nil {
		return err
	}
	for _, plr := range plrs {
		if orphaned(plr) && plr.DeletionTimestamp == nil {
			klog.FromContext(ctx).V(2).Info("Deleting the run of a deleted RecurringRun", "pipelineRun", klog.KObj(plr))
			if err := c.client.MlV1alpha1().PipelineRuns(key.Namespace).Delete(ctx, plr.Name, opts); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete orphaned run %s: %w", klog.KObj(plr), err)
			}
		}
	}
	tjs, err := c.tjs.TrainingJobs(key.Namespace).List(sel)
	if err != nil {
		return err
	}
	for _, tj := range tjs {
		if orphaned(tj) && tj.DeletionTimestamp == nil {
			klog.FromContext(ctx).V(2).Info("Deleting the run of a deleted RecurringRun", "trainingJob", klog.KObj(tj))
			if err := c.client.MlV1alpha1().TrainingJobs(key.Namespace).Delete(ctx, tj.Name, opts); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete orphaned run %s: %w", klog.KObj(tj), err)
			}
		}
	}
	return nil
}
