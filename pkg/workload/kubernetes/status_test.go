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

// What keeps a pod from running, or ended it, reaches the replica's
// status and reads as one line in Cause.
func TestReplicaStatusCause(t *testing.T) {
	pod := func(phase corev1.PodPhase, main corev1.ContainerStatus, conditions ...corev1.PodCondition) *corev1.Pod {
		main.Name = "trainer"
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "a-0"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "trainer"}}},
			Status:     corev1.PodStatus{Phase: phase, Conditions: conditions, ContainerStatuses: []corev1.ContainerStatus{main}},
		}
	}
	waiting := func(reason, message string) corev1.ContainerStatus {
		return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}}
	}
	terminated := func(t corev1.ContainerStateTerminated) corev1.ContainerStatus {
		return corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &t}}
	}
	cases := []struct {
		name                string
		pod                 *corev1.Pod
		wantReason, wantMsg string
		wantCause           string
	}{
		{
			name:       "image pull back-off",
			pod:        pod(corev1.PodPending, waiting("ImagePullBackOff", `Back-off pulling image "pytorch/nope:1"`)),
			wantReason: "ImagePullBackOff", wantMsg: `Back-off pulling image "pytorch/nope:1"`,
			wantCause: `ImagePullBackOff: Back-off pulling image "pytorch/nope:1"`,
		},
		{
			name:       "image pull error",
			pod:        pod(corev1.PodPending, waiting("ErrImagePull", "failed to pull and unpack image: not found")),
			wantReason: "ErrImagePull", wantMsg: "failed to pull and unpack image: not found",
			wantCause: "ErrImagePull: failed to pull and unpack image: not found",
		},
		{
			name:      "creating is no problem",
			pod:       pod(corev1.PodPending, waiting("ContainerCreating", "")),
			wantCause: "",
		},
		{
			name: "unschedulable, with the scheduler's message",
			pod: pod(corev1.PodPending, corev1.ContainerStatus{}, corev1.PodCondition{
				Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				Message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
			}),
			wantReason: "Unschedulable", wantMsg: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
			wantCause: "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
		},
		{
			name:       "OOM killed",
			pod:        pod(corev1.PodFailed, terminated(corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"})),
			wantReason: "OOMKilled",
			wantCause:  "exit code 137 (OOMKilled)",
		},
		{
			name:       "killed by a signal",
			pod:        pod(corev1.PodFailed, terminated(corev1.ContainerStateTerminated{ExitCode: 143, Signal: 15, Reason: "Error"})),
			wantReason: "Error",
			wantCause:  "exit code 143 (killed by signal SIGTERM)",
		},
		{
			name: "start error: the last line of the runtime's message",
			pod: pod(corev1.PodFailed, terminated(corev1.ContainerStateTerminated{ExitCode: 128, Reason: "StartError",
				Message: "failed to create containerd task:\nexec: \"pyhton3\": executable file not found in $PATH"})),
			wantReason: "StartError",
			wantMsg:    "failed to create containerd task:\nexec: \"pyhton3\": executable file not found in $PATH",
			wantCause:  `exit code 128 (StartError): exec: "pyhton3": executable file not found in $PATH`,
		},
		{
			name: "crash loop: the kubelet's message and the last termination",
			pod: func() *corev1.Pod {
				st := waiting("CrashLoopBackOff", "back-off 20s restarting failed container=trainer")
				st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error", Message: "loss=nan"}
				return pod(corev1.PodRunning, st)
			}(),
			wantReason: "CrashLoopBackOff",
			wantMsg:    "back-off 20s restarting failed container=trainer; last exit code 3: loss=nan",
			wantCause:  "CrashLoopBackOff: back-off 20s restarting failed container=trainer; last exit code 3: loss=nan",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := replicaStatus(tc.pod)
			if s.Reason != tc.wantReason || s.Message != tc.wantMsg {
				t.Errorf("reason %q, message %q; want %q, %q", s.Reason, s.Message, tc.wantReason, tc.wantMsg)
			}
			if got := s.Cause(); got != tc.wantCause {
				t.Errorf("cause %q, want %q", got, tc.wantCause)
			}
		})
	}
}
