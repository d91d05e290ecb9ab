package validation_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidateTrainingRuntime(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*ml.TrainingRuntimeTemplate)
		want   []string
	}{
		{name: "valid", mutate: func(*ml.TrainingRuntimeTemplate) {}},
		{name: "empty template: the job says everything", mutate: func(t *ml.TrainingRuntimeTemplate) { *t = ml.TrainingRuntimeTemplate{} }},
		{name: "JAX", mutate: func(t *ml.TrainingRuntimeTemplate) { t.Framework = ml.FrameworkJAX }},
		{name: "unknown framework", mutate: func(t *ml.TrainingRuntimeTemplate) { t.Framework = "Caffe" },
			want: []string{"spec.template.framework: Unsupported value"}},
		{name: "no replicas", mutate: func(t *ml.TrainingRuntimeTemplate) { t.Replicas = ptr.To[int32](0) },
			want: []string{"spec.template.replicas: Invalid value"}},
		{name: "replicas above the cap", mutate: func(t *ml.TrainingRuntimeTemplate) { t.Replicas = ptr.To[int32](1001) },
			want: []string{"spec.template.replicas: Invalid value"}},
		{name: "no processes", mutate: func(t *ml.TrainingRuntimeTemplate) { t.NumProcPerNode = ptr.To[int32](0) },
			want: []string{"spec.template.numProcPerNode: Invalid value"}},
		{name: "too many processes", mutate: func(t *ml.TrainingRuntimeTemplate) { t.NumProcPerNode = ptr.To[int32](129) },
			want: []string{"spec.template.numProcPerNode: Invalid value"}},
		{name: "bad port", mutate: func(t *ml.TrainingRuntimeTemplate) { t.MasterPort = ptr.To[int32](0) },
			want: []string{"spec.template.masterPort: Invalid value"}},
		{name: "bad env", mutate: func(t *ml.TrainingRuntimeTemplate) { t.Env = append(t.Env, corev1.EnvVar{Name: "1x"}) },
			want: []string{"spec.template.env[0].name: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mltesting.MakeClusterTrainingRuntime("torch")
			tc.mutate(&c.Spec.Template)
			checkErrors(t, tc.want, validation.ValidateClusterTrainingRuntime(c, opts))
			n := mltesting.MakeTrainingRuntime("torch", "ns")
			tc.mutate(&n.Spec.Template)
			checkErrors(t, tc.want, validation.ValidateTrainingRuntime(n, opts))
		})
	}
	t.Run("namespace", func(t *testing.T) {
		c := mltesting.MakeClusterTrainingRuntime("torch")
		c.Namespace = "ns"
		checkErrors(t, []string{"metadata.namespace: Forbidden"}, validation.ValidateClusterTrainingRuntime(c, opts))
		checkErrors(t, []string{"metadata.namespace: Required value"}, validation.ValidateTrainingRuntime(mltesting.MakeTrainingRuntime("torch", ""), opts))
	})
}

func TestValidateTrainingJobRuntimeFields(t *testing.T) {
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		want []string
	}{
		{name: "cluster runtime", obj: job().RuntimeRef(ml.ClusterTrainingRuntimeKind, "torch").Obj()},
		{name: "namespaced runtime", obj: job().RuntimeRef(ml.TrainingRuntimeKindName, "torch").Obj()},
		{name: "unknown kind", obj: job().RuntimeRef("Runtime", "torch").Obj(), want: []string{"spec.runtimeRef.kind: Unsupported value"}},
		{name: "no name", obj: job().RuntimeRef(ml.ClusterTrainingRuntimeKind, "").Obj(), want: []string{"spec.runtimeRef.name: Required value"}},
		{name: "bad name", obj: job().RuntimeRef(ml.ClusterTrainingRuntimeKind, "Torch!").Obj(), want: []string{"spec.runtimeRef.name: Invalid value"}},
		{name: "PyTorch with 4 processes", obj: job().Framework(ml.FrameworkPyTorch).NumProcPerNode(4).Obj()},
		{name: "1 process of any framework", obj: job().Framework(ml.FrameworkMPI).NumProcPerNode(1).Obj()},
		{name: "2 processes need PyTorch", obj: job().Framework(ml.FrameworkJAX).NumProcPerNode(2).Obj(),
			want: []string{"spec.numProcPerNode: Invalid value"}},
		{name: "too many processes", obj: job().Framework(ml.FrameworkPyTorch).NumProcPerNode(200).Obj(),
			want: []string{"spec.numProcPerNode: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJob(tc.obj, opts))
		})
	}
	old := job().RuntimeRef(ml.ClusterTrainingRuntimeKind, "torch").Obj()
	old.ResourceVersion = "1"
	changed := job().RuntimeRef(ml.ClusterTrainingRuntimeKind, "tf").NumProcPerNode(1).Obj()
	changed.ResourceVersion = "1"
	checkErrors(t, []string{"spec.runtimeRef: Invalid value", "spec.numProcPerNode: Invalid value"}, validation.ValidateTrainingJobUpdate(changed, old, opts))
}
