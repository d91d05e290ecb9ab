package notebook

import (
	"strings"
	"testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestReadinessWaitingForProcessSlot checks that a notebook whose pod the
// runtime holds back says why, naming the flag.
func TestReadinessWaitingForProcessSlot(t *testing.T) {
	s := &syncState{
		nb:      makeNotebook("nb"),
		desired: 1,
		volume:  &workload.VolumeStatus{Phase: workload.VolumeBound},
		set: &workload.ServedSetStatus{Replicas: 1, Observed: true, CurrentReplicas: 1,
			Reason: workload.ReasonWaitingForProcessSlot, Message: "waiting for a process slot (--local-max-processes)"},
	}
	phase, _, reason, msg := readiness(s)
	if phase != mlv1alpha1.NotebookPending || reason != ReasonWaitingForProcessSlot || !strings.Contains(msg, "--local-max-processes") {
		t.Errorf("readiness %s %s %q: want Pending, %s, naming the flag", phase, reason, msg, ReasonWaitingForProcessSlot)
	}
}

// A notebook whose pod crashes or cannot start says why.
func TestReadinessSaysWhyThePodDoesNotRun(t *testing.T) {
	for _, tc := range []struct {
		name      string
		set       workload.ServedSetStatus
		wantPhase mlv1alpha1.NotebookPhase
		wantMsg   string
	}{
		{
			name:      "crash loop",
			set:       workload.ServedSetStatus{Reason: workload.ReasonCrashLoopBackOff, Message: "back-off 1s restarting failed process; last exit code 2: jupyter: not found"},
			wantPhase: mlv1alpha1.NotebookPending, wantMsg: "jupyter: not found",
		},
		{
			name:      "start error",
			set:       workload.ServedSetStatus{Failed: true, Reason: workload.ReasonStartError, Message: `exit code 127 (StartError): exec: "jupyterr": executable file not found in $PATH`},
			wantPhase: mlv1alpha1.NotebookFailed, wantMsg: "executable file not found",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := tc.set
			set.Name, set.Replicas, set.Observed, set.CurrentReplicas = "nb", 1, true, 1
			s := &syncState{nb: makeNotebook("nb"), desired: 1, volume: &workload.VolumeStatus{Phase: workload.VolumeBound}, set: &set}
			phase, _, reason, msg := readiness(s)
			if phase != tc.wantPhase || reason != tc.set.Reason || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("readiness %s %s %q: want %s, %s, with %q", phase, reason, msg, tc.wantPhase, tc.set.Reason, tc.wantMsg)
			}
		})
	}
}
