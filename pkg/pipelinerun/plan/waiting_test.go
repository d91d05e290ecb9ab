package plan

import (
	"strings"
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestTaskWaitingForProcessSlot checks that a task whose pod the runtime
// holds back says so in its status, and stops saying so once it runs.
func TestTaskWaitingForProcessSlot(t *testing.T) {
	s := newSim(t, pipeline(task("a")).Spec())
	s.plan()
	name := s.task("a").PodName
	pod := s.pods[name]
	pod.Phase, pod.Reason, pod.Message = workload.PhasePending, workload.ReasonWaitingForProcessSlot, "waiting for a process slot (--local-max-processes)"
	s.pods[name] = pod
	s.plan()
	if a := s.task("a"); a.Phase != ml.TaskRunning || a.Reason != workload.ReasonWaitingForProcessSlot || !strings.Contains(a.Message, "--local-max-processes") {
		t.Errorf("task %s %s %q: want Running, reason %s naming the flag", a.Phase, a.Reason, a.Message, workload.ReasonWaitingForProcessSlot)
	}
	pod.Phase, pod.Reason, pod.Message = workload.PhaseRunning, "", ""
	s.pods[name] = pod
	s.plan()
	if a := s.task("a"); a.Reason != "" || a.Message != "" {
		t.Errorf("running task still says %s %q", a.Reason, a.Message)
	}
}
