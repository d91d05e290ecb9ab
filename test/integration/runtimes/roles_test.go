package runtimes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestRolesMergeByName: a job naming a TrainingRuntime with TensorFlow
// roles is stored with the roles merged by name (the job's ps count and
// the runtime's ps image; the job's evaluator after the runtime's roles),
// the replicas of a role neither sets defaulted to 1; roles are immutable;
// and roles the framework does not have, a second launcher or worker
// replicas are refused with a 422 naming the field.
func TestRolesMergeByName(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	ml := server.Clientset().MlV1alpha1()
	_, err := ml.TrainingRuntimes(ns).Create(ctx, &mlv1alpha1.TrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tf-ps"},
		Spec: mlv1alpha1.TrainingRuntimeSpec{Template: mlv1alpha1.TrainingRuntimeTemplate{
			Framework:     mlv1alpha1.FrameworkTensorFlow,
			Replicas:      ptr.To[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "tf:2", Command: []string{"python"}},
			Roles: []mlv1alpha1.ReplicaRole{
				{Name: mlv1alpha1.RoleChief},
				{Name: mlv1alpha1.RolePS, Replicas: ptr.To[int32](1), ContainerSpec: mlv1alpha1.ContainerSpec{Image: "tf-ps:2"}},
			},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create TrainingRuntime: %v", err)
	}
	job, err := ml.TrainingJobs(ns).Create(ctx, &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tf"},
		Spec: mlv1alpha1.TrainingJobSpec{
			RuntimeRef: &mlv1alpha1.TrainingRuntimeRef{Kind: mlv1alpha1.TrainingRuntimeKindName, Name: "tf-ps"},
			Replicas:   ptr.To[int32](4),
			Roles: []mlv1alpha1.ReplicaRole{
				{Name: mlv1alpha1.RoleEvaluator},
				{Name: mlv1alpha1.RolePS, Replicas: ptr.To[int32](2)},
			},
			ContainerSpec: mlv1alpha1.ContainerSpec{Args: []string{"train.py"}},
			Suspend:       true,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create TrainingJob: %v", err)
	}
	want := []mlv1alpha1.ReplicaRole{
		{Name: mlv1alpha1.RoleChief, Replicas: ptr.To[int32](1)},
		{Name: mlv1alpha1.RolePS, Replicas: ptr.To[int32](2), ContainerSpec: mlv1alpha1.ContainerSpec{Image: "tf-ps:2"}},
		{Name: mlv1alpha1.RoleEvaluator, Replicas: ptr.To[int32](1)},
	}
	if diff := cmp.Diff(want, job.Spec.Roles); diff != "" {
		t.Errorf("stored roles (-want +got):\n%s", diff)
	}
	if *job.Spec.Replicas != 4 || job.Spec.Framework != mlv1alpha1.FrameworkTensorFlow {
		t.Errorf("stored replicas %d, framework %s", *job.Spec.Replicas, job.Spec.Framework)
	}

	// Roles are immutable: a server-side apply that changes one role's env
	// is refused, naming the field.
	patch := `{"apiVersion":"ml.example.io/v1alpha1","kind":"TrainingJob","metadata":{"name":"tf"},"spec":{"roles":[{"name":"ps","env":[{"name":"X","value":"1"}]}]}}`
	_, err = ml.TrainingJobs(ns).Patch(ctx, "tf", types.ApplyPatchType, []byte(patch), metav1.PatchOptions{FieldManager: "other", Force: ptr.To(true)})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.roles: Invalid value") || !strings.Contains(err.Error(), "field is immutable") {
		t.Errorf("apply of a role's env: %v, want 422 spec.roles immutable", err)
	}

	for _, tc := range []struct {
		name  string
		spec  mlv1alpha1.TrainingJobSpec
		wants []string
	}{
		{
			name:  "launcher of a TF job",
			spec:  mlv1alpha1.TrainingJobSpec{Framework: mlv1alpha1.FrameworkTensorFlow, Roles: []mlv1alpha1.ReplicaRole{{Name: mlv1alpha1.RoleLauncher}}},
			wants: []string{`spec.roles[0].name: Unsupported value: "launcher"`},
		},
		{
			name:  "two launchers",
			spec:  mlv1alpha1.TrainingJobSpec{Framework: mlv1alpha1.FrameworkMPI, Roles: []mlv1alpha1.ReplicaRole{{Name: mlv1alpha1.RoleLauncher, Replicas: ptr.To[int32](2)}}},
			wants: []string{"spec.roles[0].replicas: Invalid value: 2: must be 1: an MPI job has one launcher"},
		},
		{
			name:  "worker replicas",
			spec:  mlv1alpha1.TrainingJobSpec{Framework: mlv1alpha1.FrameworkMPI, Roles: []mlv1alpha1.ReplicaRole{{Name: mlv1alpha1.RoleLauncher}, {Name: mlv1alpha1.RoleWorker, Replicas: ptr.To[int32](3)}}},
			wants: []string{"spec.roles[1].replicas: Forbidden: the worker role's replica count is spec.replicas"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.ContainerSpec = mlv1alpha1.ContainerSpec{Command: []string{"python3", "train.py"}}
			spec.Suspend = true
			_, err := ml.TrainingJobs(ns).Create(ctx, &mlv1alpha1.TrainingJob{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"}, Spec: spec,
			}, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create: %v, want 422", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
