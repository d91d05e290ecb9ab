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
