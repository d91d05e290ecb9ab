package trainingjob

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestManageReplicas(t *testing.T) {
	running, failed := workload.PhaseRunning, workload.PhaseFailed
	cases := []struct {
		name        string
		job         *mlv1alpha1.TrainingJob
		replicas    []workload.ReplicaStatus
		newlyFailed []string

		wantService bool
		wantCreates []int32
		wantDeleted []string
	}{
		{
			name:        "a new job gets every pod and the Service",
			job:         makeJob("a").Replicas(3).V1alpha1(),
			wantService: true,
			wantCreates: []int32{0, 1, 2},
		},
		{
			name:        "a complete set of pods is left alone",
			job:         makeJob("a").Replicas(2).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(1, workload.PhaseSucceeded)},
			wantService: true,
		},
		{
			name:        "a pod that is gone is recreated",
			job:         makeJob("a").Replicas(3).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(2, running)},
			wantService: true,
			wantCreates: []int32{1},
		},
		{
			name:        "a failed pod holds its index until it is gone",
			job:         makeJob("a").Replicas(2).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(1, failed, terminating)},
			wantService: true,
		},
		{
			name:        "scaling up adds the next indices",
			job:         makeJob("a").Replicas(4).Elastic(1, 4).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(1, running)},
			wantService: true,
			wantCreates: []int32{2, 3},
		},
		{
			name:        "scaling down deletes the highest indices",
			job:         makeJob("a").Replicas(2).Elastic(1, 4).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(1, running), rep(2, running), rep(3, running)},
			wantService: true,
			wantDeleted: []string{"a-2", "a-3"},
		},
		{
			name:        "a failed pod above the count, counted now, stays until stored",
			job:         makeJob("a").Replicas(1).Elastic(1, 4).V1alpha1(),
			replicas:    []workload.ReplicaStatus{rep(0, running), rep(1, failed)},
			newlyFailed: []string{"a-1"},
			wantService: true,
		},
		{
			name: "pods that are no replica are deleted",
			job:  makeJob("a").V1alpha1(),
			replicas: []workload.ReplicaStatus{
				rep(0, running),
				rep(0, running, uid("x"), func(r *workload.ReplicaStatus) { r.Name = "a-00" }),
				rep(1, running, uid("y"), func(r *workload.ReplicaStatus) { delete(r.Labels, mlv1alpha1.ReplicaIndexLabel) }),
			},
			wantService: true,
			wantDeleted: []string{"a-00", "a-1"},
		},
		{
			name:     "a suspended job gets nothing",
			job:      makeJob("a").Replicas(2).Suspend(true).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running)},
		},
		{
			name:     "an ended job gets nothing",
			job:      makeJob("a").Replicas(2).Finished(ml.TrainingJobFailed, failedAt(ReasonDeadlineExceeded, 0)).V1alpha1(),
			replicas: []workload.ReplicaStatus{rep(0, running)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := state(tc.job, 0, tc.replicas...)
			s.newlyCounted.Insert(tc.newlyFailed...)
			manageReplicas(s)
			if s.ensureService != tc.wantService {
				t.Errorf("ensureService = %v, want %v", s.ensureService, tc.wantService)
			}
			if diff := cmp.Diff(tc.wantCreates, s.creates, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("creates (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantDeleted, deletedNames(s), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
		})
	}
}
