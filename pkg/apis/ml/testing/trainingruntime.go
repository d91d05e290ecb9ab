package testing

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// RuntimeRef sets spec.runtimeRef.
func (w *TrainingJobWrapper) RuntimeRef(kind ml.TrainingRuntimeKind, name string) *TrainingJobWrapper {
	w.obj.Spec.RuntimeRef = &ml.TrainingRuntimeRef{Kind: kind, Name: name}
	return w
}

// NumProcPerNode sets spec.numProcPerNode.
func (w *TrainingJobWrapper) NumProcPerNode(n int32) *TrainingJobWrapper {
	w.obj.Spec.NumProcPerNode = ptr.To(n)
	return w
}

// MakeTrainingRuntimeTemplate returns a valid template: PyTorch, two
// replicas of two processes, an image and a command.
func MakeTrainingRuntimeTemplate() ml.TrainingRuntimeTemplate {
	return ml.TrainingRuntimeTemplate{
		Framework:      ml.FrameworkPyTorch,
		Replicas:       ptr.To[int32](2),
		NumProcPerNode: ptr.To[int32](2),
		ContainerSpec:  ml.ContainerSpec{Image: TrainerImage, Command: []string{"torchrun"}},
	}
}

// MakeClusterTrainingRuntime returns a ClusterTrainingRuntime with the
// template of MakeTrainingRuntimeTemplate.
func MakeClusterTrainingRuntime(name string) *ml.ClusterTrainingRuntime {
	return &ml.ClusterTrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       ml.TrainingRuntimeSpec{Template: MakeTrainingRuntimeTemplate()},
	}
}

// MakeTrainingRuntime returns a TrainingRuntime in namespace with the
// template of MakeTrainingRuntimeTemplate.
func MakeTrainingRuntime(name, namespace string) *ml.TrainingRuntime {
	return &ml.TrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       ml.TrainingRuntimeSpec{Template: MakeTrainingRuntimeTemplate()},
	}
}
