package trainingjob

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// statusSummary is what the status tests compare.
type statusSummary struct {
	Phase                                  mlv1alpha1.TrainingJobPhase
	Replicas, ReadyReplicas, Succeeded     int32
	Running                                metav1.ConditionStatus
	RunningReason, Selector                string
	ObservedGeneration, RunningObservedGen int64
}

func summarize(job *mlv1alpha1.TrainingJob) statusSummary {
	st := job.Status
	s := statusSummary{
		Phase: st.Phase, Replicas: st.Replicas, ReadyReplicas: st.ReadyReplicas, Succeeded: st.Succeeded,
		Selector: st.Selector, ObservedGeneration: st.ObservedGeneration,
	}
	if c := meta.FindStatusCondition(st.Conditions, ConditionRunning); c != nil {
		s.Running, s.RunningReason, s.RunningObservedGen = c.Status, c.Reason, c.ObservedGeneration
	}
	return s
}

func TestComputeStatus(t *testing.T) {
	running, pending, succeeded := workload.PhaseRunning, workload.PhasePending, workload.PhaseSucceeded
	want := func(phase mlv1alpha1.TrainingJobPhase, replicas, ready, succeeded int32, cond metav1.ConditionStatus, reason string) statusSummary {
		return statusSummary{
			Phase: phase, Replicas: replicas, ReadyReplicas: ready, Succeeded: succeeded,
			Running: cond, RunningReason: reason, Selector: "ml.example.io/trainingjob=a",
			ObservedGeneration: 1, RunningObservedGen: 1,
		}
	}
	cases := []struct {
		name     string
		job      *mlv1alpha1.TrainingJob
		replicas []workload.ReplicaStatus
		// act simulates the steps and actions of the sync.
		act  func(s *syncState)
		want statusSummary
	}{
		{
			name: "pods just created are pending",
			job:  makeJob("a").Replicas(2).V1alpha1(),
			act: func(s *syncState) {
				s.creates = []int32{0, 1}
				s.created.Insert(0, 1)
			},
			want: want(mlv1alpha1.TrainingJobPending, 2, 0, 0, metav1.ConditionFalse, ReasonReplicasPending),
		},
		{
			name: "a pod that could not be created does not count",
			job:  makeJob("a").Replicas(2).V1alpha1(),
			act: func(s *syncState) {
				s.creates = []int32{0, 1}
				s.created.Insert(1)
			},
			want: want(mlv1alpha1.TrainingJobPending, 1, 0, 0, metav1.ConditionFalse, ReasonReplicasPending),
		},
		{
			name:     "one running pod makes the job run",
			job:      makeJob("a").Replicas(2).Phase(ml.TrainingJobPending).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running, ready), rep(1, pending)},
			want:     want(mlv1alpha1.TrainingJobRunning, 2, 1, 0, metav1.ConditionTrue, ReasonReplicasRunning),
		},
		{
			name:     "replicas the runtime holds back say why",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, pending, waitingForSlot), rep(1, pending, waitingForSlot)},
			want:     want(mlv1alpha1.TrainingJobPending, 2, 0, 0, metav1.ConditionFalse, ReasonWaitingForProcessSlot),
		},
		{
			name:     "succeeded replicas keep the job running",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(1, pending)},
			want:     want(mlv1alpha1.TrainingJobRunning, 2, 0, 1, metav1.ConditionTrue, ReasonReplicasRunning),
		},
		{
			name:     "pods being deleted do not count",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running, ready, terminating), rep(1, pending)},
			want:     want(mlv1alpha1.TrainingJobPending, 1, 0, 0, metav1.ConditionFalse, ReasonReplicasPending),
		},
		{
			name:     "pods deleted now do not count",
			job:      makeJob("a").Replicas(1).Elastic(1, 2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running, ready), rep(1, running, ready)},
			act:      func(s *syncState) { s.deleted.Insert("a-1") },
			want:     want(mlv1alpha1.TrainingJobRunning, 1, 1, 0, metav1.ConditionTrue, ReasonReplicasRunning),
		},
		{
			name:     "a suspended job",
			job:      makeJob("a").Replicas(2).Suspend(true).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running, ready), rep(1, running, ready)},
			act:      func(s *syncState) { s.deleted.Insert("a-0", "a-1") },
			want:     want(mlv1alpha1.TrainingJobSuspended, 0, 0, 0, metav1.ConditionFalse, ReasonSuspended),
		},
		{
			name:     "a job that succeeds now",
			job:      makeJob("a").Replicas(2).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded), rep(1, succeeded)},
			act:      checkCompletion,
			want:     want(mlv1alpha1.TrainingJobSucceeded, 2, 0, 2, metav1.ConditionFalse, ReasonSucceeded),
		},
		{
			name:     "an ended job keeps its count of succeeded replicas after cleanup",
			job:      makeJob("a").Replicas(2).Succeeded(2).Finished(ml.TrainingJobSucceeded, succeededAt(0)).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, succeeded)},
			act:      func(s *syncState) { s.deleted.Insert("a-0") },
			want:     want(mlv1alpha1.TrainingJobSucceeded, 0, 0, 2, metav1.ConditionFalse, ReasonSucceeded),
		},
		{
			name:     "a failed job",
			job:      makeJob("a").Replicas(2).Finished(ml.TrainingJobFailed, failedAt(ReasonBackoffLimitExceeded, 0)).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running, ready), rep(1, workload.PhaseFailed)},
			want:     want(mlv1alpha1.TrainingJobFailed, 2, 1, 0, metav1.ConditionFalse, ReasonBackoffLimitExceeded),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, 0, tc.replicas...)
			if tc.act != nil {
				tc.act(s)
			}
			computeStatus(s)
			if diff := cmp.Diff(tc.want, summarize(s.job)); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func waitingForSlot(r *workload.ReplicaStatus) {
	r.Reason, r.Message = workload.ReasonWaitingForProcessSlot, "waiting for a process slot (--local-max-processes)"
}

// TestComputeStatusWaitingMessage checks that the Running condition names
// the flag that holds replicas back, whether some run or none.
func TestComputeStatusWaitingMessage(t *testing.T) {
	for _, replicas := range [][]workload.ReplicaStatus{
		{rep(0, workload.PhasePending, waitingForSlot), rep(1, workload.PhasePending, waitingForSlot)},
		{rep(0, workload.PhaseRunning, ready), rep(1, workload.PhasePending, waitingForSlot)},
	} {
		s := state(makeJob("a").Replicas(2).V1alpha1(), 0, replicas...)
		computeStatus(s)
		c := meta.FindStatusCondition(s.job.Status.Conditions, ConditionRunning)
		if c == nil || !strings.Contains(c.Message, "--local-max-processes") {
			t.Errorf("Running condition %+v: want a message naming --local-max-processes", c)
		}
	}
}

// TestComputeStatusPendingCause checks that the Running condition says
// why a pending replica does not run (on a cluster: an image that cannot
// be pulled, no node to schedule it on).
func TestComputeStatusPendingCause(t *testing.T) {
	imagePull := func(r *workload.ReplicaStatus) {
		r.Reason, r.Message = "ImagePullBackOff", `Back-off pulling image "pytorch/nope:1"`
	}
	unschedulable := func(r *workload.ReplicaStatus) {
		r.Reason, r.Message = workload.ReasonUnschedulable, "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."
	}
	for _, tc := range []struct {
		replicas []workload.ReplicaStatus
		want     string
	}{
		{
			replicas: []workload.ReplicaStatus{rep(0, workload.PhasePending, imagePull), rep(1, workload.PhasePending)},
			want:     `Waiting for 2 replicas to start; replica a-0: ImagePullBackOff: Back-off pulling image "pytorch/nope:1"`,
		},
		{
			replicas: []workload.ReplicaStatus{rep(0, workload.PhaseRunning, ready), rep(1, workload.PhasePending, unschedulable)},
			want:     "1 of 2 replicas running, 0 succeeded; replica a-1: Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
		},
	} {
		s := state(makeJob("a").Replicas(2).V1alpha1(), 0, tc.replicas...)
		computeStatus(s)
		if c := meta.FindStatusCondition(s.job.Status.Conditions, ConditionRunning); c == nil || c.Message != tc.want {
			t.Errorf("Running condition %+v, want message %q", c, tc.want)
		}
	}
}

// TestComputeStatusGeneration checks that status and conditions name the
// generation they were computed for.
func TestComputeStatusGeneration(t *testing.T) {
	job := makeJob("a").V1alpha1()
	job.Generation = 3
	s := state(job, 0, rep(0, workload.PhaseRunning))
	computeStatus(s)
	got := summarize(s.job)
	if got.ObservedGeneration != 3 || got.RunningObservedGen != 3 {
		t.Errorf("observedGeneration %d, Running condition's %d; want 3", got.ObservedGeneration, got.RunningObservedGen)
	}
}

// TestComputeStatusStable checks that a second computation over the same
// observation changes nothing, so that a sync with nothing new writes
// nothing.
func TestComputeStatusStable(t *testing.T) {
	replicas := []workload.ReplicaStatus{rep(0, workload.PhaseRunning, ready), rep(1, workload.PhasePending)}
	s := state(makeJob("a").Replicas(2).V1alpha1(), 0, replicas...)
	computeStatus(s)
	first := s.job.DeepCopy()
	s = state(first.DeepCopy(), time.Minute, replicas...)
	computeStatus(s)
	if diff := cmp.Diff(first.Status, s.job.Status); diff != "" {
		t.Errorf("second computation changed the status (-first +second):\n%s", diff)
	}
}
