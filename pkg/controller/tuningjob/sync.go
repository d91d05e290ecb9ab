package tuningjob

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// Reasons of the events and conditions of a TuningJob.
const (
	// ReasonTrialCreated: a trial was created.
	ReasonTrialCreated = "TrialCreated"
	// ReasonTrialStopped: a trial was stopped early.
	ReasonTrialStopped = "TrialStopped"
	// ReasonBudgetReached: a trial reported the step of its budget and
	// was stopped there; it counts as succeeded.
	ReasonBudgetReached = "BudgetReached"
	// ReasonMaxTrialsReached: every trial of spec.maxTrials ended.
	ReasonMaxTrialsReached = "MaxTrialsReached"
	// ReasonTargetReached: a trial reached spec.objective.target.
	ReasonTargetReached = "TargetReached"
	// ReasonSearchExhausted: the algorithm has nothing more to propose
	// (a grid fully searched, the brackets of hyperband done).
	ReasonSearchExhausted = "SearchExhausted"
	// ReasonMaxFailedTrialsReached: spec.maxFailedTrials trials failed.
	ReasonMaxFailedTrialsReached = "MaxFailedTrialsReached"
	// ReasonTrialsRunning: the search goes on.
	ReasonTrialsRunning = "TrialsRunning"
	// ReasonUnsupportedTemplate: the trial template is neither a
	// TrainingJob nor a PipelineRun.
	ReasonUnsupportedTemplate = "UnsupportedTemplate"
	// ReasonAlgorithmFailed: the algorithm could not propose.
	ReasonAlgorithmFailed = "AlgorithmFailed"
	// ReasonTrialInvalid: the API server refused a trial as invalid (422):
	// every trial of the template would be.
	ReasonTrialInvalid = "TrialInvalid"
)

// The condition types of a TuningJob.
const (
	ConditionRunning   = "Running"
	ConditionSucceeded = "Succeeded"
	ConditionFailed    = "Failed"
)

// outcome is how a search ended; zero while it runs.
type outcome struct {
	phase   mlv1alpha1.TuningJobPhase
	reason  string
	message string
}

// sync observes the trials of one TuningJob, stops those the median rule
// condemns, ends the search or creates the next trials, and writes the
// status.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) error {
	logger := klog.FromContext(ctx)
	stored, err := c.tuns.TuningJobs(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		logger.V(4).Info("TuningJob is gone")
		return c.deleteOrphans(ctx, key)
	}
	if err != nil {
		return err
	}
	if stored.DeletionTimestamp != nil {
		return nil
	}
	trials, err := c.listTrials(stored)
	if err != nil {
		return fmt.Errorf("list trials of %s: %w", klog.KObj(stored), err)
	}
	if err := c.observe(ctx, stored, trials); err != nil {
		return err
	}
	tun := stored.DeepCopy()
	spec := &tun.Spec
	ended := outcome{phase: tun.Status.Phase}
	if spec.TrialTemplate.TrainingJob == nil && spec.TrialTemplate.PipelineRun == nil && ended.phase != mlv1alpha1.TuningJobFailed {
		// Validation refuses such a template; one stored otherwise would
		// never run.
		ended = outcome{phase: mlv1alpha1.TuningJobFailed, reason: ReasonUnsupportedTemplate, message: "The trial template has neither a trainingJob nor a pipelineRun"}
	}
	if ended.phase != mlv1alpha1.TuningJobSucceeded && ended.phase != mlv1alpha1.TuningJobFailed {
		ended = outcome{}
		if err := c.budgetStop(ctx, tun, trials); err != nil {
			return err
		}
		if err := c.medianStop(ctx, tun, trials); err != nil {
			return err
		}
		ended = decideEnd(tun, trials)
		if ended.phase == "" {
			created, exhausted, err := c.proposeAndCreate(ctx, tun, trials)
			trials = append(trials, created...)
			switch {
			case apierrors.IsInvalid(err):
				// A template whose trials the server refuses would be
				// refused again at every sync: the search fails, saying why.
				ended = outcome{phase: mlv1alpha1.TuningJobFailed, reason: ReasonTrialInvalid,
					message: fmt.Sprintf("The API server refused a trial: %v", err)}
			case err != nil:
				return err
			}
			if ended.phase == "" && exhausted && count(trials, algorithm.Running) == 0 && len(trials) > 0 {
				ended = outcome{phase: mlv1alpha1.TuningJobSucceeded, reason: ReasonSearchExhausted,
					message: fmt.Sprintf("Algorithm %s has nothing more to propose after %d trials", spec.Algorithm.Name, len(trials))}
			}
		}
	}
	if ended.phase != "" {
		// A search that ended runs nothing more.
		for _, t := range trials {
			if t.state == algorithm.Running && !t.job.haltRequested() {
				stopped, err := c.stopTrial(ctx, tun, t, mlv1alpha1.EarlyStoppedAnnotation, "the search ended: "+ended.reason, ReasonTrialStopped)
				if err != nil {
					return err
				}
				if stopped {
					t.state = algorithm.EarlyStopped
				}
			}
		}
	}
	c.setStatus(tun, trials, ended)
	if !apiequality.Semantic.DeepEqual(tun.Status, stored.Status) {
		if ended.phase != "" && stored.Status.Phase != ended.phase {
			eventType := corev1.EventTypeNormal
			if ended.phase == mlv1alpha1.TuningJobFailed {
				eventType = corev1.EventTypeWarning
			}
			c.recorder.Event(tun, eventType, ended.reason, ended.message)
		}
		if _, err := c.client.MlV1alpha1().TuningJobs(tun.Namespace).UpdateStatus(ctx, tun, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
			return fmt.Errorf("write status of %s: %w", klog.KObj(tun), err)
		}
	}
	if count(trials, algorithm.Running) > 0 {
		c.queue.AddAfter(key, c.poll)
	}
	return nil
}

// budgetStop stops the running trials that reported the step of their
// budget (Hyperband's): they ran what the algorithm asked of them and
// count as succeeded, with the objective up to that step. A trial that
// ends by itself at $(trial.budget) is never stopped.
func (c *Controller) budgetStop(ctx context.Context, tun *mlv1alpha1.TuningJob, trials []*trial) error {
	for _, t := range trials {
		if t.state != algorithm.Running || t.budget <= 0 || t.job.haltRequested() || t.reported < t.budget {
			continue
		}
		reason := fmt.Sprintf("reached its budget of %d steps (reported step %d)", t.budget, t.reported)
		stopped, err := c.stopTrial(ctx, tun, t, mlv1alpha1.BudgetReachedAnnotation, reason, ReasonBudgetReached)
		if err != nil {
			return err
		}
		if !stopped {
			continue // stopped already, the informer has not seen it yet
		}
		t.state, t.message = algorithm.Succeeded, reason
		if !t.hasValue {
			t.state, t.message = algorithm.Failed, "stopped at its budget without a value of "+tun.Spec.Objective.Metric
		}
	}
	return nil
}

// medianStop stops the running trials the median stopping rule condemns.
func (c *Controller) medianStop(ctx context.Context, tun *mlv1alpha1.TuningJob, trials []*trial) error {
	es := tun.Spec.EarlyStopping
	if es == nil || es.MedianStop == nil {
		return nil
	}
	startStep, minTrials := mlv1alpha1.DefaultMedianStopStartStep, mlv1alpha1.DefaultMedianStopMinTrials
	if es.MedianStop.StartStep != nil {
		startStep = *es.MedianStop.StartStep
	}
	if es.MedianStop.MinTrials != nil {
		minTrials = *es.MedianStop.MinTrials
	}
	completed := make([]algorithm.Observation, 0, len(trials))
	for _, t := range trials {
		completed = append(completed, t.observation())
	}
	for _, t := range trials {
		if t.state != algorithm.Running || t.job.haltRequested() {
			continue
		}
		stop, why := algorithm.ShouldStop(t.observation(), completed, startStep, int(minTrials), algorithm.Goal(tun.Spec.Objective.Goal))
		if !stop {
			continue
		}
		stopped, err := c.stopTrial(ctx, tun, t, mlv1alpha1.EarlyStoppedAnnotation, "median stopping rule: "+why, ReasonTrialStopped)
		if err != nil {
			return err
		}
		if !stopped {
			continue // stopped already, the informer has not seen it yet
		}
		t.state, t.message = algorithm.EarlyStopped, "median stopping rule: "+why
	}
	return nil
}

// decideEnd says whether the search ended: target reached, too many
// failed trials, or every trial of maxTrials ended.
func decideEnd(tun *mlv1alpha1.TuningJob, trials []*trial) outcome {
	spec := &tun.Spec
	if best := bestTrial(trials, spec.Objective.Goal); best != nil && spec.Objective.Target != nil && !better(spec.Objective.Goal, *spec.Objective.Target, best.value) {
		return outcome{phase: mlv1alpha1.TuningJobSucceeded, reason: ReasonTargetReached,
			message: fmt.Sprintf("Trial %s reached the target: %s=%g (target %g)", best.job.name(), spec.Objective.Metric, best.value, *spec.Objective.Target)}
	}
	if failed := count(trials, algorithm.Failed); spec.MaxFailedTrials != nil && failed >= int(*spec.MaxFailedTrials) {
		return outcome{phase: mlv1alpha1.TuningJobFailed, reason: ReasonMaxFailedTrialsReached,
			message: fmt.Sprintf("%d trials failed (spec.maxFailedTrials %d); the last: %s", failed, *spec.MaxFailedTrials, lastFailure(trials))}
	}
	if spec.MaxTrials != nil && nextIndex(trials) >= int(*spec.MaxTrials) && count(trials, algorithm.Running) == 0 {
		msg := fmt.Sprintf("All %d trials ended", len(trials))
		if best := bestTrial(trials, spec.Objective.Goal); best != nil {
			msg += fmt.Sprintf("; the best is %s with %s=%g", best.job.name(), spec.Objective.Metric, best.value)
		}
		return outcome{phase: mlv1alpha1.TuningJobSucceeded, reason: ReasonMaxTrialsReached, message: msg}
	}
	return outcome{}
}

// proposeAndCreate asks the algorithm for the trials parallelTrials and
// maxTrials leave room for and creates them, returning them as running
// trials. exhausted says the algorithm will propose nothing more.
func (c *Controller) proposeAndCreate(ctx context.Context, tun *mlv1alpha1.TuningJob, trials []*trial) (created []*trial, exhausted bool, err error) {
	spec := &tun.Spec
	maxTrials, parallel := int(derefInt32(spec.MaxTrials, mlv1alpha1.DefaultMaxTrials)), int(derefInt32(spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials))
	n := min(parallel-count(trials, algorithm.Running), maxTrials-nextIndex(trials))
	if n <= 0 {
		return nil, false, nil
	}
	alg, err := algorithm.Get(string(spec.Algorithm.Name))
	if err != nil {
		return nil, false, err
	}
	// Trial N is the algorithm's N-th observation: a trial whose
	// TrainingJob was deleted counts as a failed one with no parameters, so
	// grid and Hyperband keep numbering their slots as when it existed.
	next := nextIndex(trials)
	obs := make([]algorithm.Observation, 0, next)
	for _, t := range trials {
		for len(obs) < t.index {
			obs = append(obs, algorithm.Observation{Trial: trialName(tun, len(obs)), Assignment: algorithm.Assignment{}, State: algorithm.Failed})
		}
		obs = append(obs, t.observation())
	}
	proposals, err := alg.Propose(algorithm.Request{
		Space: space(spec.Parameters), Goal: algorithm.Goal(spec.Objective.Goal), Seed: seed(tun),
		Settings: spec.Algorithm.Settings, Observations: obs, Count: n, MaxTrials: maxTrials,
	})
	switch {
	case errors.Is(err, algorithm.ErrExhausted):
		exhausted = true
	case err != nil:
		c.recorder.Eventf(tun, corev1.EventTypeWarning, ReasonAlgorithmFailed, "Algorithm %s: %v", spec.Algorithm.Name, err)
		return nil, false, fmt.Errorf("propose trials of %s: %w", klog.KObj(tun), err)
	}
	for i, p := range proposals {
		obj, err := c.createTrial(ctx, tun, next+i, p)
		if err != nil {
			return created, exhausted, err
		}
		created = append(created, &trial{job: obj, index: next + i, params: p.Assignment, budget: p.Budget, state: algorithm.Running})
	}
	return created, exhausted, nil
}

// seed is spec.algorithm.settings.seed, or one derived from the
// TuningJob's UID: the same for the whole search, across restarts.
func seed(tun *mlv1alpha1.TuningJob) int64 {
	if s, ok := tun.Spec.Algorithm.Settings[algorithm.SettingSeed]; ok {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v
		}
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(tun.UID))
	return int64(h.Sum64() >> 1)
}

// space is the search space of the parameters.
func space(params []mlv1alpha1.TuningParameter) []algorithm.Parameter {
	out := make([]algorithm.Parameter, 0, len(params))
	for _, p := range params {
		out = append(out, algorithm.Parameter{
			Name: p.Name, Type: algorithm.ParameterType(p.Type),
			Min: derefFloat(p.Min), Max: derefFloat(p.Max), Step: derefFloat(p.Step),
			Values: p.Values, Log: p.Scale == mlv1alpha1.ScaleLog,
		})
	}
	return out
}

func derefFloat(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func derefInt32(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return *v
}

// count is the number of trials in state s.
func count(trials []*trial, s algorithm.TrialState) int {
	n := 0
	for _, t := range trials {
		if t.state == s {
			n++
		}
	}
	return n
}

// bestTrial is the ended trial (succeeded or stopped) with the best
// objective value, the earliest among equals; nil for none.
func bestTrial(trials []*trial, goal mlv1alpha1.ObjectiveGoal) *trial {
	var best *trial
	for _, t := range trials {
		if !t.hasValue || (t.state != algorithm.Succeeded && t.state != algorithm.EarlyStopped) {
			continue
		}
		if best == nil || better(goal, t.value, best.value) {
			best = t
		}
	}
	return best
}

func lastFailure(trials []*trial) string {
	for i := len(trials) - 1; i >= 0; i-- {
		if t := trials[i]; t.state == algorithm.Failed {
			return t.job.name() + " " + t.message
		}
	}
	return ""
}

// nextIndex is the index of the next trial: one past the highest index of
// trials, so a deleted trial's index is never used again and still counts
// against maxTrials.
func nextIndex(trials []*trial) int {
	next := 0
	for _, t := range trials {
		next = max(next, t.index+1)
	}
	return next
}
