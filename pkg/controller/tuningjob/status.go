package tuningjob

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/tuning/algorithm"
)

// setStatus writes what the sync observed into tun's status.
func (c *Controller) setStatus(tun *mlv1alpha1.TuningJob, trials []*trial, ended outcome) {
	s := &tun.Status
	now := metav1.NewTime(c.clock.Now())
	s.ObservedGeneration = tun.Generation
	s.TrialsCreated = int32(len(trials))
	s.Running = int32(count(trials, algorithm.Running))
	s.Succeeded = int32(count(trials, algorithm.Succeeded))
	s.Failed = int32(count(trials, algorithm.Failed))
	s.EarlyStopped = int32(count(trials, algorithm.EarlyStopped))
	if len(trials) > 0 && s.StartTime == nil {
		s.StartTime = &now
	}
	s.BestTrial = nil
	if best := bestTrial(trials, tun.Spec.Objective.Goal); best != nil {
		s.BestTrial = summary(best)
	}
	s.Trials = nil
	for _, t := range trials[max(0, len(trials)-mlv1alpha1.MaxTuningStatusTrials):] {
		s.Trials = append(s.Trials, *summary(t))
	}
	set := func(typ string, status metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg,
			ObservedGeneration: tun.Generation, LastTransitionTime: now})
	}
	switch ended.phase {
	case "":
		s.Phase = mlv1alpha1.TuningJobRunning
		if len(trials) == 0 {
			s.Phase = mlv1alpha1.TuningJobPending
		}
		set(ConditionRunning, metav1.ConditionTrue, ReasonTrialsRunning,
			fmt.Sprintf("%d of %d trials created, %d running", len(trials), derefInt32(tun.Spec.MaxTrials, mlv1alpha1.DefaultMaxTrials), s.Running))
	case mlv1alpha1.TuningJobSucceeded, mlv1alpha1.TuningJobFailed:
		if s.Phase == ended.phase {
			return
		}
		s.Phase = ended.phase
		s.CompletionTime = &now
		set(ConditionRunning, metav1.ConditionFalse, ended.reason, ended.message)
		typ := ConditionSucceeded
		if ended.phase == mlv1alpha1.TuningJobFailed {
			typ = ConditionFailed
		}
		set(typ, metav1.ConditionTrue, ended.reason, ended.message)
	}
}

// summary is a trial as status lists it.
func summary(t *trial) *mlv1alpha1.TrialSummary {
	out := &mlv1alpha1.TrialSummary{Name: t.job.name(), Phase: mlv1alpha1.TrialPhase(t.state), Message: t.message}
	if t.state == algorithm.Running && t.job.phase() != runRunning {
		out.Phase = mlv1alpha1.TrialPending
	}
	for _, name := range sortedKeys(t.params) {
		out.Parameters = append(out.Parameters, mlv1alpha1.ParameterAssignment{Name: name, Value: t.params[name]})
	}
	if t.hasValue {
		out.ObjectiveValue, out.Step = ptr.To(t.value), t.step
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
