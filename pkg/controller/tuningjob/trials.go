package tuningjob

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// trial is one trial of a TuningJob as the controller observed it.
type trial struct {
	job   trialObject
	index int
	// params are the trial's parameter values, from its annotation.
	params algorithm.Assignment
	state  algorithm.TrialState
	// budget is the step budget the algorithm gave the trial, 0 for none.
	budget int64
	// series is the objective metric per step (up to the budget); value
	// and step the objective value by objective.aggregation, when hasValue.
	series   []algorithm.Point
	value    float64
	step     int64
	hasValue bool
	message  string
	// noSeries says why the trial has no objective series, when the
	// metric store cannot tell which of its tasks reports it.
	noSeries string
	// reported is the highest step of the objective series, budget or
	// not; -1 for none.
	reported int64
}

// trialName is the name of trial index of tun: the same after any restart.
func trialName(tun *mlv1alpha1.TuningJob, index int) string {
	return fmt.Sprintf("%s-%d", tun.Name, index)
}

// listTrials returns the trials of tun in index order: the TrainingJobs
// and PipelineRuns labeled with its name whose controller is tun.
func (c *Controller) listTrials(tun *mlv1alpha1.TuningJob) ([]*trial, error) {
	objs, err := c.labeled(tun.Namespace, tun.Name)
	if err != nil {
		return nil, err
	}
	var trials []*trial
	for _, o := range objs {
		if ref := o.controller(); ref == nil || ref.UID != tun.UID {
			continue
		}
		index, err := strconv.Atoi(o.annotation(mlv1alpha1.TrialIndexAnnotation))
		if err != nil {
			index, err = strconv.Atoi(strings.TrimPrefix(o.name(), tun.Name+"-"))
			if err != nil {
				continue
			}
		}
		t := &trial{job: o, index: index, params: algorithm.Assignment{}}
		if s := o.annotation(mlv1alpha1.TrialParametersAnnotation); s != "" {
			_ = json.Unmarshal([]byte(s), &t.params)
		}
		t.budget, _ = strconv.ParseInt(o.annotation(mlv1alpha1.TrialBudgetAnnotation), 10, 64)
		trials = append(trials, t)
	}
	slices.SortFunc(trials, func(a, b *trial) int { return a.index - b.index })
	return trials, nil
}

// labeled returns the TrainingJobs and PipelineRuns labeled as trials of
// the TuningJob name.
func (c *Controller) labeled(namespace, name string) ([]trialObject, error) {
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.TuningJobNameLabel: name})
	jobs, err := c.tjs.TrainingJobs(namespace).List(sel)
	if err != nil {
		return nil, err
	}
	runs, err := c.runs.PipelineRuns(namespace).List(sel)
	if err != nil {
		return nil, err
	}
	out := make([]trialObject, 0, len(jobs)+len(runs))
	for _, tj := range jobs {
		out = append(out, trialObject{tj: tj})
	}
	for _, run := range runs {
		out = append(out, trialObject{run: run})
	}
	slices.SortFunc(out, func(a, b trialObject) int { return strings.Compare(a.name(), b.name()) })
	return out, nil
}

// observe reads the objective series of each trial and sets its state
// and objective value. The series of a finished trial is read once.
func (c *Controller) observe(ctx context.Context, tun *mlv1alpha1.TuningJob, trials []*trial) error {
	for _, t := range trials {
		finished := jobFinished(t.job)
		m := t.job.meta()
		c.mu.Lock()
		key := trialKey{m.GetNamespace(), m.GetName(), m.GetUID()}
		series, cached := c.finished[key]
		c.mu.Unlock()
		t.noSeries = ""
		if !cached {
			var err error
			series, t.noSeries, err = c.objectiveSeries(ctx, tun, t.job)
			if err != nil {
				return fmt.Errorf("read %s of trial %s: %w", tun.Spec.Objective.Metric, m.GetName(), err)
			}
			if finished && t.noSeries == "" {
				c.mu.Lock()
				c.finished[key] = series
				c.mu.Unlock()
			}
		}
		t.reported = -1
		for _, p := range series {
			t.reported = max(t.reported, p.Step)
		}
		if t.budget > 0 {
			// Points past the budget came after the trial completed it.
			series = slices.DeleteFunc(slices.Clone(series), func(p algorithm.Point) bool { return p.Step > t.budget })
		}
		t.series = series
		t.value, t.step, t.hasValue = objectiveValue(series, tun.Spec.Objective)
		t.state, t.message = trialState(t.job, t.hasValue, tun.Spec.Objective.Metric)
		if t.noSeries != "" && t.state == algorithm.Failed {
			t.message += ": " + t.noSeries
		}
	}
	return nil
}

// objectiveSeries reads a trial's objective series. A TrainingJob's is its
// series named as the metric. A PipelineRun's is that series of
// trialTemplate.objectiveTask, or of the one task that reports it; when
// none does and the run succeeded, the output of that task named as the
// metric is the objective, at step 0. why says why a run whose tasks
// report the metric has no series: more than one task does.
func (c *Controller) objectiveSeries(ctx context.Context, tun *mlv1alpha1.TuningJob, o trialObject) (series []algorithm.Point, why string, err error) {
	m := o.meta()
	metric, task := tun.Spec.Objective.Metric, tun.Spec.TrialTemplate.ObjectiveTask
	all, err := c.metrics.Series(ctx, MetricOwner{Resource: o.resource(), Namespace: m.GetNamespace(), Name: m.GetName(), UID: m.GetUID()}, metric)
	if err != nil {
		return nil, "", err
	}
	if o.run == nil {
		for _, s := range all {
			if s.Task == "" {
				return s.Points, "", nil
			}
		}
		return nil, "", nil
	}
	var tasks []string
	for _, s := range all {
		if s.Task == "" || (task != "" && s.Task != task) {
			continue
		}
		tasks = append(tasks, s.Task)
		series = s.Points
	}
	if len(tasks) > 1 {
		slices.Sort(tasks)
		return nil, fmt.Sprintf("tasks %s all report %q: set spec.trialTemplate.objectiveTask", strings.Join(tasks, ", "), metric), nil
	}
	if len(tasks) == 1 || o.run.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		return series, "", nil
	}
	return outputSeries(o.run, task, metric)
}

// outputSeries is the objective of a succeeded run whose tasks reported
// no series: the output named metric of task (of the one task with such
// an output when task is ""), at step 0.
func outputSeries(run *mlv1alpha1.PipelineRun, task, metric string) ([]algorithm.Point, string, error) {
	var (
		found []string
		value string
	)
	for _, ts := range run.Status.Tasks {
		if task != "" && ts.Name != task {
			continue
		}
		for _, out := range ts.Outputs {
			if out.Name == metric {
				found, value = append(found, ts.Name), out.Value
			}
		}
	}
	switch {
	case len(found) == 0:
		return nil, "", nil
	case len(found) > 1:
		slices.Sort(found)
		return nil, fmt.Sprintf("tasks %s all have an output %q: set spec.trialTemplate.objectiveTask", strings.Join(found, ", "), metric), nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Sprintf("the output %q of task %s is %q, not a number", metric, found[0], value), nil
	}
	return []algorithm.Point{{Step: 0, Value: v}}, "", nil
}

// forget drops the cached series of trials that no longer exist.
func (c *Controller) forget(trials []*trial) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range trials {
		m := t.job.meta()
		delete(c.finished, trialKey{m.GetNamespace(), m.GetName(), m.GetUID()})
	}
}

// jobFinished says whether a trial reports no more: it ended, or the
// controller stopped it and it halted.
func jobFinished(o trialObject) bool {
	switch o.phase() {
	case runSucceeded, runFailed:
		return true
	case runHalted:
		// A TrainingJob a user suspended may resume; a PipelineRun does
		// not come back from Canceled.
		annotation, _ := o.stoppedBy()
		return o.run != nil || (annotation != "" && o.haltRequested())
	}
	return false
}

// trialState maps a trial's TrainingJob or PipelineRun to the algorithms'
// trial states. A trial that ended without reporting the objective
// failed: the algorithms have no value for it. A trial stopped at its
// budget completed what it was asked to run: it succeeded.
func trialState(o trialObject, hasValue bool, metric string) (algorithm.TrialState, string) {
	annotation, stopped := o.stoppedBy()
	phase := o.phase()
	switch {
	case phase == runFailed:
		return algorithm.Failed, "the " + o.kind() + " failed"
	case annotation == mlv1alpha1.BudgetReachedAnnotation:
		if !hasValue {
			return algorithm.Failed, "stopped at its budget without a value of " + metric
		}
		return algorithm.Succeeded, stopped
	case stopped != "" && phase != runSucceeded:
		if !hasValue {
			return algorithm.Failed, "stopped before reporting " + metric + ": " + stopped
		}
		return algorithm.EarlyStopped, stopped
	case phase == runHalted && o.run != nil:
		return algorithm.Failed, "the PipelineRun was canceled"
	case phase == runSucceeded && !hasValue:
		return algorithm.Failed, fmt.Sprintf("succeeded without reporting the objective metric %q", metric)
	case phase == runSucceeded:
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
	return algorithm.Observation{Trial: t.job.name(), Assignment: t.params, Value: t.value, Step: t.step, State: t.state, Series: t.series}
}
