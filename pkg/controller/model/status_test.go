package model

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestComputeStatus(t *testing.T) {
	uri := resolution{URI: "s3://m", Reason: ReasonResolved, Message: "Serving s3://m"}
	available := func(name string, n int32) workload.ServedSetStatus {
		return workload.ServedSetStatus{Name: name, Replicas: n, Observed: true, CurrentReplicas: n, ReadyReplicas: n, AvailableReplicas: n, Available: true}
	}
	starting := func(name string, n int32) workload.ServedSetStatus {
		return workload.ServedSetStatus{Name: name, Replicas: n, Observed: true, CurrentReplicas: n}
	}
	cases := []struct {
		name       string
		model      *mlv1alpha1.Model
		source     resolution
		canary     resolution
		sets       []workload.ServedSetStatus
		created    []string
		nameTaken  error
		wantPhase  mlv1alpha1.ModelPhase
		wantReason string
		wantReady  metav1.ConditionStatus
		wantSource metav1.ConditionStatus
	}{
		{name: "waiting for the job", model: makeModel("a").obj(), source: resolution{Reason: ReasonTrainingJobNotSucceeded},
			wantPhase: mlv1alpha1.ModelPending, wantReason: ReasonSourceNotResolved, wantReady: "False", wantSource: "False"},
		{name: "job failed", model: makeModel("a").obj(), source: resolution{Reason: ReasonTrainingJobFailed, Final: true},
			wantPhase: mlv1alpha1.ModelFailed, wantReason: ReasonTrainingJobFailed, wantReady: "False", wantSource: "False"},
		{name: "just created", model: makeModel("a").obj(), source: uri, created: []string{"a"},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: ReasonLoading, wantReady: "False", wantSource: "True"},
		{name: "pods starting", model: makeModel("a").obj(), source: uri, sets: []workload.ServedSetStatus{starting("a", 1)},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: ReasonLoading, wantReady: "False", wantSource: "True"},
		{name: "pods waiting for a process slot", model: makeModel("a").obj(), source: uri,
			sets: []workload.ServedSetStatus{func() workload.ServedSetStatus {
				s := starting("a", 1)
				s.Reason, s.Message = workload.ReasonWaitingForProcessSlot, "waiting for a process slot (--local-max-processes)"
				return s
			}()},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: ReasonWaitingForProcessSlot, wantReady: "False", wantSource: "True"},
		{name: "pods in a crash loop say why", model: makeModel("a").obj(), source: uri,
			sets: []workload.ServedSetStatus{func() workload.ServedSetStatus {
				s := starting("a", 1)
				s.Reason, s.Message = workload.ReasonCrashLoopBackOff, "back-off 2s restarting failed process; last exit code 1: ModuleNotFoundError: No module named 'torch'"
				return s
			}()},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: workload.ReasonCrashLoopBackOff, wantReady: "False", wantSource: "True"},
		{name: "available", model: makeModel("a").obj(), source: uri, sets: []workload.ServedSetStatus{available("a", 1)},
			wantPhase: mlv1alpha1.ModelReady, wantReason: ReasonAvailable, wantReady: "True", wantSource: "True"},
		{name: "not observed yet", model: makeModel("a").obj(), source: uri,
			sets:      []workload.ServedSetStatus{func() workload.ServedSetStatus { s := available("a", 1); s.Observed = false; return s }()},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: ReasonLoading, wantReady: "False", wantSource: "True"},
		{name: "canary starting", model: makeModel("a").replicas(4).canary("s3://c", 25).obj(), source: uri, canary: uri,
			sets:      []workload.ServedSetStatus{available("a", 3), starting("a-canary", 1)},
			wantPhase: mlv1alpha1.ModelLoading, wantReason: ReasonLoading, wantReady: "False", wantSource: "True"},
		{name: "canary available", model: makeModel("a").replicas(4).canary("s3://c", 25).obj(), source: uri, canary: uri,
			sets:      []workload.ServedSetStatus{available("a", 3), available("a-canary", 1)},
			wantPhase: mlv1alpha1.ModelReady, wantReason: ReasonAvailable, wantReady: "True", wantSource: "True"},
		{name: "canary of 100% leaves the stable track at 0", model: makeModel("a").replicas(2).canary("s3://c", 100).obj(), source: uri, canary: uri,
			sets:      []workload.ServedSetStatus{starting("a", 0), available("a-canary", 2)},
			wantPhase: mlv1alpha1.ModelReady, wantReason: ReasonAvailable, wantReady: "True", wantSource: "True"},
		{name: "canary waiting for its job", model: makeModel("a").canary("s3://c", 25).obj(), source: uri, canary: resolution{Reason: ReasonTrainingJobNotSucceeded},
			sets:      []workload.ServedSetStatus{available("a", 1)},
			wantPhase: mlv1alpha1.ModelReady, wantReason: ReasonAvailable, wantReady: "True", wantSource: "False"},
		{name: "rollout failed", model: makeModel("a").obj(), source: uri,
			sets:      []workload.ServedSetStatus{{Name: "a", Replicas: 1, Failed: true, Reason: "ProgressDeadlineExceeded"}},
			wantPhase: mlv1alpha1.ModelFailed, wantReason: "ProgressDeadlineExceeded", wantReady: "False", wantSource: "True"},
		{name: "stopped", model: makeModel("a").replicas(0).obj(), source: uri, sets: []workload.ServedSetStatus{starting("a", 0)},
			wantPhase: mlv1alpha1.ModelStopped, wantReason: ReasonStopped, wantReady: "False", wantSource: "True"},
		{name: "name taken", model: makeModel("a").obj(), source: uri, nameTaken: errors.New("taken"),
			wantPhase: mlv1alpha1.ModelFailed, wantReason: ReasonNameTaken, wantReady: "False", wantSource: "True"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &syncState{
				model: tc.model, now: metav1.NewTime(t0), sets: map[string]workload.ServedSetStatus{},
				source: tc.source, canarySource: tc.canary, changed: map[string]workload.SetChange{},
				serviceExists: true, nameTaken: tc.nameTaken,
			}
			for _, set := range tc.sets {
				s.sets[set.Name] = set
			}
			for _, name := range tc.created {
				s.changed[name] = workload.SetCreated
			}
			percent := int32(0)
			if tc.model.Spec.Canary != nil && tc.canary.resolved() {
				percent = tc.model.Spec.Canary.TrafficPercent
			}
			s.stable, s.canary = SplitReplicas(desiredReplicas(tc.model), percent)
			computeStatus(s)
			st := s.model.Status
			ready := meta.FindStatusCondition(st.Conditions, ConditionReady)
			source := meta.FindStatusCondition(st.Conditions, ConditionSourceResolved)
			if st.Phase != tc.wantPhase || ready.Reason != tc.wantReason || ready.Status != tc.wantReady || source.Status != tc.wantSource {
				t.Errorf("phase %q, Ready %s/%s, SourceResolved %s; want %q, %s/%s, %s (message %q)",
					st.Phase, ready.Status, ready.Reason, source.Status, tc.wantPhase, tc.wantReady, tc.wantReason, tc.wantSource, ready.Message)
			}
			if ready.ObservedGeneration != tc.model.Generation || st.ObservedGeneration != tc.model.Generation {
				t.Errorf("observed generation not set")
			}
		})
	}
}
