package tuningjob

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// trial is one trial of a TuningJob as the controller observed it.
type trial struct {
	job   *mlv1alpha1.TrainingJob
	index int
	// params are the trial's parameter values, from its annotation.
	params algorithm.Assignment
	state  algorithm.TrialState
	// series is the objective metric per step; value and step the
	// objective value by objective.aggregation, when hasValue.
	series   []algorithm.Point
	value    float64
	step     int64
	hasValue bool
	message  string
}

// trialName is the name of trial index of tun: the same after any restart.
func trialName(tun *mlv1alpha1.TuningJob, index int) string {
	return fmt.Sprintf("%s-%d", tun.Name, index)
}

// listTrials returns the trials of tun in index order: the TrainingJobs
// labeled with its name whose controller is tun.
func (c *Controller) listTrials(tun *mlv1alpha1.TuningJob) ([]*trial, error) {
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.TuningJobNameLabel: tun.Name})
	jobs, err := c.tjs.TrainingJobs(tun.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	var trials []*trial
	for _, job := range jobs {
		if ref := metav1.GetControllerOf(job); ref == nil || ref.UID != tun.UID {
			continue
		}
		index, err := strconv.Atoi(job.Annotations[mlv1alpha1.TrialIndexAnnotation])
		if err != nil {
			index, err = strconv.Atoi(strings.TrimPrefix(job.Name, tun.Name+"-"))
			if err != nil {
				continue
			}
		}
		t := &trial{job: job, index: index, params: algorithm.Assignment{}}
		if s := job.Annotations[mlv1alpha1.TrialParametersAnnotation]; s != "" {
			_ = json.Unmarshal([]byte(s), &t.params)
		}
		trials = append(trials, t)
	}
	slices.SortFunc(trials, func(a, b *trial) int { return a.index - b.index })
	return trials, nil
}

// observe reads the objective series of each trial and sets its state
// and objective value. The series of a finished trial is read once.
func (c *Controller) observe(ctx context.Context, tun *mlv1alpha1.TuningJob, trials []*trial) error {
	for _, t := range trials {
		finished := jobFinished(t.job)
		c.mu.Lock()
		key := trialKey{t.job.Namespace, t.job.Name, t.job.UID}
		series, cached := c.finished[key]
		c.mu.Unlock()
		if !cached {
			var err error
			series, err = c.metrics.Series(ctx, t.job.Namespace, t.job.Name, t.job.UID, tun.Spec.Objective.Metric)
			if err != nil {
				return fmt.Errorf("read %s of trial %s: %w", tun.Spec.Objective.Metric, t.job.Name, err)
			}
			if finished {
				c.mu.Lock()
				c.finished[key] = series
				c.mu.Unlock()
			}
		}
		t.series = series
		t.value, t.step, t.hasValue = objectiveValue(series, tun.Spec.Objective)
		t.state, t.message = trialState(t.job, t.hasValue, tun.Spec.Objective.Metric)
	}
	return nil
}

// forget drops the cached series of trials that no longer exist.
func (c *Controller) forget(trials []*trial) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range trials {
		delete(c.finished, trialKey{t.job.Namespace, t.job.Name, t.job.UID})
	}
}

// jobFinished says whether a trial's TrainingJob reports no more: it
// ended, or it was stopped.
func jobFinished(job *mlv1alpha1.TrainingJob) bool {
	switch {
	case job.Status.Phase == mlv1alpha1.TrainingJobSucceeded, job.Status.Phase == mlv1alpha1.TrainingJobFailed:
		return true
	case job.Annotations[mlv1alpha1.EarlyStoppedAnnotation] != "" && job.Spec.Suspend:
		return job.Status.Phase == mlv1alpha1.TrainingJobSuspended
	}
	return false
}

// trialState maps a trial's TrainingJob to the algorithms' trial states.
// A trial that ended without reporting the objective failed: the
// algorithms have no value for it.
func trialState(job *mlv1alpha1.TrainingJob, hasValue bool, metric string) (algorithm.TrialState, string) {
	stopped := job.Annotations[mlv1alpha1.EarlyStoppedAnnotation]
	switch {
	case job.Status.Phase == mlv1alpha1.TrainingJobFailed:
		return algorithm.Failed, "the TrainingJob failed"
	case stopped != "" && job.Status.Phase != mlv1alpha1.TrainingJobSucceeded:
		if !hasValue {
			return algorithm.Failed, "stopped before reporting " + metric + ": " + stopped
		}
		return algorithm.EarlyStopped, stopped
	case job.Status.Phase == mlv1alpha1.TrainingJobSucceeded && !hasValue:
		return algorithm.Failed, fmt.Sprintf("succeeded without reporting the objective metric %q", metric)
	case job.Status.Phase == mlv1alpha1.TrainingJobSucceeded:
		return algorithm.Succeeded, ""
	}
	return algorithm.Running, ""
}

// objectiveValue is the objective of a series: its last point, or its
// best by the goal when the aggregation is best.
func objectiveValue(series []algorithm.Point, o mlv1alpha1.TuningObjective) (float64, int64, bool) {
	var (
		best  algorithm.Point
		found bool
	)
	for _, p := range series {
		if math.IsNaN(p.Value) {
			continue
		}
		switch {
		case !found:
			best, found = p, true
		case o.Aggregation == mlv1alpha1.AggregationBest:
			if better(o.Goal, p.Value, best.Value) {
				best = p
			}
		default:
			best = p
		}
	}
	return best.Value, best.Step, found
}

// better says whether a is strictly better than b for goal.
func better(goal mlv1alpha1.ObjectiveGoal, a, b float64) bool {
	if goal == mlv1alpha1.ObjectiveMaximize {
		return a > b
	}
	return a < b
}

// observation is a trial as the algorithms see it.
func (t *trial) observation() algorithm.Observation {
	return algorithm.Observation{Trial: t.job.Name, Assignment: t.params, Value: t.value, Step: t.step, State: t.state, Series: t.series}
}
