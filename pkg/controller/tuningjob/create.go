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

// trialMeta is the metadata of trial index of tun, running the proposal
// p: the template's, its name and index, the TuningJob's label, the
// parameters and budget annotations, and a controller reference to tun.
func trialMeta(tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (metav1.ObjectMeta, error) {
	params, err := json.Marshal(p.Assignment)
	if err != nil {
		return metav1.ObjectMeta{}, fmt.Errorf("encode the parameters of trial %d: %w", index, err)
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
	return m, nil
}

// newTrainingJob is trial index of tun, running the proposal p: the
// template with $(params.NAME) and $(trial.budget) replaced in its
// command, args and env values.
func newTrainingJob(tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (*mlv1alpha1.TrainingJob, error) {
	m, err := trialMeta(tun, index, p)
	if err != nil {
		return nil, err
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

// newPipelineRun is trial index of tun as a PipelineRun, running the
// proposal p: the template with $(params.NAME) and $(trial.budget)
// replaced in its params' values. Its pipeline is resolved when it is
// created, as any run's.
func newPipelineRun(tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (*mlv1alpha1.PipelineRun, error) {
	m, err := trialMeta(tun, index, p)
	if err != nil {
		return nil, err
	}
	run := &mlv1alpha1.PipelineRun{ObjectMeta: m, Spec: *tun.Spec.TrialTemplate.PipelineRun.DeepCopy()}
	r := replacer(p)
	for i := range run.Spec.Params {
		run.Spec.Params[i].Value = r.Replace(run.Spec.Params[i].Value)
	}
	return run, nil
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

// createTrial creates trial index of tun, a TrainingJob or a PipelineRun
// as the template says; a trial of that name that exists already and is
// tun's was created before, by this or an earlier controller, and the
// lister had not seen it. It returns the trial's object.
func (c *Controller) createTrial(ctx context.Context, tun *mlv1alpha1.TuningJob, index int, p algorithm.Proposal) (trialObject, error) {
	var (
		created, existing trialObject
		name              string
		err               error
	)
	ns := tun.Namespace
	opts := metav1.CreateOptions{FieldManager: c.fieldManager}
	if tun.Spec.TrialTemplate.PipelineRun != nil {
		run, nerr := newPipelineRun(tun, index, p)
		if nerr != nil {
			return trialObject{}, nerr
		}
		name = run.Name
		created.run, err = c.client.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, opts)
		if apierrors.IsAlreadyExists(err) {
			existing.run, err = c.client.MlV1alpha1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return trialObject{}, fmt.Errorf("read existing trial %s: %w", name, err)
			}
		}
	} else {
		tj, nerr := newTrainingJob(tun, index, p)
		if nerr != nil {
			return trialObject{}, nerr
		}
		name = tj.Name
		created.tj, err = c.client.MlV1alpha1().TrainingJobs(ns).Create(ctx, tj, opts)
		if apierrors.IsAlreadyExists(err) {
			existing.tj, err = c.client.MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return trialObject{}, fmt.Errorf("read existing trial %s: %w", name, err)
			}
		}
	}
	switch {
	case existing.tj != nil || existing.run != nil:
		if ref := existing.controller(); ref == nil || ref.UID != tun.UID {
			return trialObject{}, fmt.Errorf("%s %s exists and is not a trial of this TuningJob: delete it, or rename the TuningJob", existing.kind(), name)
		}
		klog.FromContext(ctx).V(2).Info("Trial exists already", "trial", name)
		return existing, nil
	case err != nil:
		c.recorder.Eventf(tun, corev1.EventTypeWarning, "FailedCreate", "Creating trial %s: %v", name, err)
		return trialObject{}, fmt.Errorf("create trial %s: %w", name, err)
	}
	c.recorder.Eventf(tun, corev1.EventTypeNormal, ReasonTrialCreated, "Created trial %s with %s", name, created.annotation(mlv1alpha1.TrialParametersAnnotation))
	return created, nil
}

// stopTrial stops a running trial: it suspends its TrainingJob, which
// deletes its replicas, or cancels its PipelineRun, and says why in the
// annotation (early stopping or budget reached).
func (c *Controller) stopTrial(ctx context.Context, tun *mlv1alpha1.TuningJob, t *trial, annotation, reason, event string) (bool, error) {
	// The informer's copy may not show yet a stop this controller asked
	// for a moment ago (a budget reached, then the search ended at the
	// next sync): the object itself says whether the trial was stopped,
	// and a stopped trial keeps the first reason.
	if stopped, err := c.stoppedLive(ctx, tun.Namespace, t); err != nil || stopped {
		return false, err
	}
	spec := map[string]any{"suspend": true}
	if t.job.run != nil {
		spec = map[string]any{"cancel": true}
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{annotation: reason}},
		"spec":     spec,
	})
	if err != nil {
		return false, err
	}
	name, opts := t.job.name(), metav1.PatchOptions{FieldManager: c.fieldManager}
	if t.job.run != nil {
		_, err = c.client.MlV1alpha1().PipelineRuns(tun.Namespace).Patch(ctx, name, types.MergePatchType, patch, opts)
	} else {
		_, err = c.client.MlV1alpha1().TrainingJobs(tun.Namespace).Patch(ctx, name, types.MergePatchType, patch, opts)
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stop trial %s: %w", name, err)
	}
	c.recorder.Eventf(tun, corev1.EventTypeNormal, event, "Stopped trial %s: %s", name, reason)
	return true, nil
}

// stoppedLive reads the trial's object from the API server (not the
// informer) and says whether it was already stopped by this controller; a
// trial gone is stopped.
func (c *Controller) stoppedLive(ctx context.Context, namespace string, t *trial) (bool, error) {
	var live trialObject
	var err error
	if t.job.run != nil {
		live.run, err = c.client.MlV1alpha1().PipelineRuns(namespace).Get(ctx, t.job.name(), metav1.GetOptions{})
	} else {
		live.tj, err = c.client.MlV1alpha1().TrainingJobs(namespace).Get(ctx, t.job.name(), metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read trial %s: %w", t.job.name(), err)
	}
	annotation, _ := live.stoppedBy()
	return annotation != "", nil
}
