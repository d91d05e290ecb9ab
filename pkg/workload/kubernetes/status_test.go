package kubernetes

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestReplicaStatus(t *testing.T) {
	start := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(time.Minute))
	base := func(phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "a-0", UID: "u", Labels: map[string]string{"k": "v"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "trainer"}, {Name: "sidecar"}}},
			Status:     corev1.PodStatus{Phase: phase, StartTime: &start},
		}
	}
	want := func(phase workload.Phase) workload.ReplicaStatus {
		return workload.ReplicaStatus{Name: "a-0", UID: "u", Labels: map[string]string{"k": "v"}, Phase: phase, StartTime: &start}
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want workload.ReplicaStatus
	}{
		{name: "new", pod: base(""), want: want(workload.PhasePending)},
		{
			name: "running and ready",
			pod: func() *corev1.Pod {
				p := base(corev1.PodRunning)
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "trainer", RestartCount: 1}, {Name: "sidecar", RestartCount: 2}}
				return p
			}(),
			want: func() workload.ReplicaStatus {
				s := want(workload.PhaseRunning)
				s.Ready, s.Restarts = true, 3
				return s
			}(),
		},
		{
			name: "failed: the main container's termination",
			pod: func() *corev1.Pod {
				p := base(corev1.PodFailed)
				p.Status.ContainerStatuses = []corev1.ContainerStatus{
					{Name: "sidecar", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 9, Reason: "Killed"}}},
					{Name: "trainer", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
						ExitCode: 3, Reason: "Error", Message: "loss=nan", FinishedAt: end}}},
				}
				return p
			}(),
			want: func() workload.ReplicaStatus {
				s := want(workload.PhaseFailed)
				s.ExitCode, s.Reason, s.Message, s.FinishTime = ptr.To[int32](3), "Error", "loss=nan", &end
				s.TerminationMessage = "loss=nan"
				return s
			}(),
		},
		{
			name: "evicted",
			pod: func() *corev1.Pod {
				p := base(corev1.PodFailed)
				p.Status.Reason, p.Status.Message = "Evicted", "The node was low on memory."
				p.DeletionTimestamp = &end
				return p
			}(),
			want: func() workload.ReplicaStatus {
				s := want(workload.PhaseFailed)
				s.Reason, s.Message, s.Terminating = "Evicted", "The node was low on memory.", true
				return s
			}(),
		},
		{name: "unknown", pod: base(corev1.PodUnknown), want: want(workload.PhaseUnknown)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, replicaStatus(tc.pod)); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}
