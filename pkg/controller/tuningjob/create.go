package tuningjob

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// budgetVar is replaced with the step budget the algorithm gave a trial
// (hyperband), "0" for none.
const budgetVar = "$(trial.budget)"

// newTrainingJob is trial index of tun, running the proposal p: the
// template with $(params.NAME) and $(trial.budget) replaced in its
// command, args and env values.
func newTrainingJob(tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (*mlv1alpha1.TrainingJob, error) {
	params, err := json.Marshal(p.Assignment)
	if err != nil {
		return nil, fmt.Errorf("encode the parameters of trial %d: %w", index, err)
	}
	m := metav1.ObjectMeta{
		Name:            trialName(tun, index),
		Namespace:       tun.Namespace,
		Labels:          map[string]string{},
		Annotations:     map[string]string{},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(tun, kind)},
	}
	for k, v := range tun.Spec.TrialTemplate.Metadata.Labels {
		m.Labels[k] = v
	}
	for k, v := range tun.Spec.TrialTemplate.Metadata.Annotations {
		m.Annotations[k] = v
	}
	m.Labels[mlv1alpha1.TuningJobNameLabel] = tun.Name
	m.Annotations[mlv1alpha1.TrialParametersAnnotation] = string(params)
	m.Annotations[mlv1alpha1.TrialIndexAnnotation] = strconv.Itoa(index)
	if p.Budget > 0 {
		m.Annotations[mlv1alpha1.TrialBudgetAnnotation] = strconv.FormatInt(p.Budget, 10)
	}
	tj := &mlv1alpha1.TrainingJob{ObjectMeta: m, Spec: *tun.Spec.TrialTemplate.TrainingJob.DeepCopy()}
	r := replacer(p)
	for i := range tj.Spec.Command {
		tj.Spec.Command[i] = r.Replace(tj.Spec.Command[i])
	}
	for i := range tj.Spec.Args {
		tj.Spec.Args[i] = r.Replace(tj.Spec.Args[i])
	}
	for i := range tj.Spec.Env {
		tj.Spec.Env[i].Value = r.Replace(tj.Spec.Env[i].Value)
	}
	return tj, nil
}

// replacer replaces $(params.NAME) with the proposal's values and
// $(trial.budget) with its budget.
func replacer(p algorithm.Proposal) *strings.Replacer {
	names := make([]string, 0, len(p.Assignment))
	for n := range p.Assignment {
		names = append(names, n)
	}
	sort.Strings(names)
	pairs := []string{budgetVar, strconv.FormatInt(p.Budget, 10)}
	for _, n := range names {
		pairs = append(pairs, "$(params."+n+")", p.Assignment[n])
	}
	return strings.NewReplacer(pairs...)
}

// createTrial creates trial index of tun; a trial of that name that exists
// already and is tun's was created before, by this or an earlier
// controller, and the lister had not seen it. It returns the trial's
// TrainingJob.
func (c *Controller) createTrial(ctx context.Context, tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (*mlv1alpha1.TrainingJob, error) {
	tj, err := newTrainingJob(tun, index, p)
	if err != nil {
		return nil, err
	}
	created, err := c.client.MlV1alpha1().TrainingJobs(tun.Namespace).Create(ctx, tj, metav1.CreateOptions{FieldManager: c.fieldManager})
	switch {
	case apierrors.IsAlreadyExists(err):
		existing, err := c.client.MlV1alpha1().TrainingJobs(tun.Namespace).Get(ctx, tj.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("read existing trial %s: %w", tj.Name, err)
		}
		if ref := metav1.GetControllerOf(existing); ref == nil || ref.UID != tun.UID {
			return nil, fmt.Errorf("TrainingJob %s exists and is not a trial of this TuningJob: delete it, or rename the TuningJob", tj.Name)
		}
		klog.FromContext(ctx).V(2).Info("Trial exists already", "trial", tj.Name)
		return existing, nil
	case err != nil:
		c.recorder.Eventf(tun, corev1.EventTypeWarning, "FailedCreate", "Creating trial %s: %v", tj.Name, err)
		return nil, fmt.Errorf("create trial %s: %w", tj.Name, err)
	}
	c.recorder.Eventf(tun, corev1.EventTypeNormal, ReasonTrialCreated, "Created trial %s with %s", tj.Name, tj.Annotations[mlv1alpha1.TrialParametersAnnotation])
	return created, nil
}

// stopTrial stops a running trial: it suspends its TrainingJob, which
// deletes its replicas, and says why in the early-stopped annotation.
func (c *Controller) stopTrial(ctx context.Context, tun *mlv1alpha1.TuningJob, t *trial, reason string) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{mlv1alpha1.EarlyStoppedAnnotation: reason}},
		"spec":     map[string]any{"suspend": true},
	})
	if err != nil {
		return err
	}
	_, err = c.client.MlV1alpha1().TrainingJobs(tun.Namespace).Patch(ctx, t.job.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.fieldManager})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("stop trial %s: %w", t.job.Name, err)
	}
	c.recorder.Eventf(tun, corev1.EventTypeNormal, ReasonTrialStopped, "Stopped trial %s: %s", t.job.Name, reason)
	return nil
}
