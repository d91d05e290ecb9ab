package recurringrun

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// The variables of a run template, replaced when a run is created.
const (
	scheduledTimeVar = "$(schedule.scheduledTime)"
	scheduleIndexVar = "$(schedule.index)"
)

// runName is the name of the run rr starts for the time scheduled: the
// same name after any restart, so a run is never started twice.
func runName(rr *mlv1alpha1.RecurringRun, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", rr.Name, scheduled.Unix())
}

// runMeta is the metadata of a run: the template's labels and annotations,
// the RecurringRun's label, the scheduled time and index, and the
// controller ownerReference.
func runMeta(rr *mlv1alpha1.RecurringRun, scheduled time.Time, index int64) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:            runName(rr, scheduled),
		Namespace:       rr.Namespace,
		Labels:          map[string]string{},
		Annotations:     map[string]string{},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rr, kind)},
	}
	for k, v := range rr.Spec.RunTemplate.Metadata.Labels {
		m.Labels[k] = v
	}
	for k, v := range rr.Spec.RunTemplate.Metadata.Annotations {
		m.Annotations[k] = v
	}
	m.Labels[mlv1alpha1.RecurringRunNameLabel] = rr.Name
	m.Annotations[mlv1alpha1.ScheduledTimeAnnotation] = scheduled.UTC().Format(time.RFC3339)
	m.Annotations[mlv1alpha1.ScheduleIndexAnnotation] = strconv.FormatInt(index, 10)
	return m
}

// substitute replaces the schedule variables in s.
func substitute(s string, scheduled time.Time, index int64) string {
	if !strings.Contains(s, "$(schedule.") {
		return s
	}
	return strings.NewReplacer(
		scheduledTimeVar, scheduled.UTC().Format(time.RFC3339),
		scheduleIndexVar, strconv.FormatInt(index, 10),
	).Replace(s)
}

// newPipelineRun is the PipelineRun rr starts for the time scheduled, with
// the variables replaced in its param values.
func newPipelineRun(rr *mlv1alpha1.RecurringRun, scheduled time.Time, index int64) *mlv1alpha1.PipelineRun {
	plr := &mlv1alpha1.PipelineRun{ObjectMeta: runMeta(rr, scheduled, index), Spec: *rr.Spec.RunTemplate.PipelineRun.DeepCopy()}
	for i := range plr.Spec.Params {
		plr.Spec.Params[i].Value = substitute(plr.Spec.Params[i].Value, scheduled, index)
	}
	return plr
}

// newTrainingJob is the TrainingJob rr starts for the time scheduled, with
// the variables replaced in its env values.
func newTrainingJob(rr *mlv1alpha1.RecurringRun, scheduled time.Time, index int64) *mlv1alpha1.TrainingJob {
	tj := &mlv1alpha1.TrainingJob{ObjectMeta: runMeta(rr, scheduled, index), Spec: *rr.Spec.RunTemplate.TrainingJob.DeepCopy()}
	for i := range tj.Spec.Env {
		tj.Spec.Env[i].Value = substitute(tj.Spec.Env[i].Value, scheduled, index)
	}
	return tj
}

// ownedBy says whether rr is the controller of o.
func ownedBy(o metav1.Object, rr *mlv1alpha1.RecurringRun) bool {
	ref := metav1.GetControllerOf(o)
	return ref != nil && ref.UID == rr.UID
}

// scheduledTime is when a run was due: its annotation, else its creation.
func scheduledTime(o metav1.Object) time.Time {
	if t, err := time.Parse(time.RFC3339, o.GetAnnotations()[mlv1alpha1.ScheduledTimeAnnotation]); err == nil {
		return t
	}
	return o.GetCreationTimestamp().Time
}

// listRuns returns the runs rr started, as the plan sees them.
func (c *Controller) listRuns(rr *mlv1alpha1.RecurringRun) ([]run, error) {
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.RecurringRunNameLabel: rr.Name})
	var runs []run
	if rr.Spec.RunTemplate.TrainingJob != nil {
		tjs, err := c.tjs.TrainingJobs(rr.Namespace).List(sel)
		if err != nil {
			return nil, err
		}
		for _, tj := range tjs {
			if !ownedBy(tj, rr) {
				continue
			}
			ph := tj.Status.Phase
			runs = append(runs, run{
				name: tj.Name, scheduled: scheduledTime(tj), completion: timeOf(tj.Status.CompletionTime),
				finished:  ph == mlv1alpha1.TrainingJobSucceeded || ph == mlv1alpha1.TrainingJobFailed,
				succeeded: ph == mlv1alpha1.TrainingJobSucceeded,
			})
		}
		return runs, nil
	}
	plrs, err := c.plrs.PipelineRuns(rr.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	for _, plr := range plrs {
		if !ownedBy(plr, rr) {
			continue
		}
		ph := plr.Status.Phase
		runs = append(runs, run{
			name: plr.Name, scheduled: scheduledTime(plr), completion: timeOf(plr.Status.CompletionTime),
			finished:  ph == mlv1alpha1.PipelineRunSucceeded || ph == mlv1alpha1.PipelineRunFailed || ph == mlv1alpha1.PipelineRunCanceled,
			succeeded: ph == mlv1alpha1.PipelineRunSucceeded,
		})
	}
	return runs, nil
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}
