package pipelinerun

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// memInstances is an InstanceStore in memory, for the fakes of unit tests.
type memInstances struct {
	mu     sync.Mutex
	m      map[types.UID]map[string]mlv1alpha1.PipelineRunTaskInstance
	lists  int
	writes int
}

func (s *memInstances) List(_ context.Context, run *mlv1alpha1.PipelineRun) ([]mlv1alpha1.PipelineRunTaskInstance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	var out []mlv1alpha1.PipelineRunTaskInstance
	for _, in := range s.m[run.UID] {
		out = append(out, *in.DeepCopy())
	}
	sortInstances(out)
	return out, nil
}

func (s *memInstances) Put(_ context.Context, run *mlv1alpha1.PipelineRun, instances []mlv1alpha1.PipelineRunTaskInstance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes += len(instances)
	if s.m == nil {
		s.m = map[types.UID]map[string]mlv1alpha1.PipelineRunTaskInstance{}
	}
	if s.m[run.UID] == nil {
		s.m[run.UID] = map[string]mlv1alpha1.PipelineRunTaskInstance{}
	}
	for _, in := range instances {
		s.m[run.UID][in.Name] = *in.DeepCopy()
	}
	return nil
}

// all returns the instances of run uid, by task then index.
func (s *memInstances) all(uid types.UID) []mlv1alpha1.PipelineRunTaskInstance {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []mlv1alpha1.PipelineRunTaskInstance
	for _, in := range s.m[uid] {
		list = append(list, in)
	}
	sortInstances(list)
	return list
}
