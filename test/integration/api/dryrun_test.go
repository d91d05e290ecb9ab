package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestDryRunCreate(t *testing.T) {
	retryTask := mltesting.NewTask("with-retries")
	retryTask.Retries = &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: &mlv1alpha1.Backoff{}}
	pipeline := mltesting.NewPipeline("dry-run", "").Param("lr", "0.1").Obj()
	pipeline.Spec.Tasks = append(pipeline.Spec.Tasks, retryTask)
	defaultedPipelineSpec := func(spec *mlv1alpha1.PipelineSpec) {
		spec.Params[0].Type = mlv1alpha1.ParamTypeString
		spec.Tasks[1].Retries.Backoff.Factor = ptr.To(mlv1alpha1.DefaultRetryFactor)
	}

	tests := []struct {
		kind string
		obj  mltesting.Object
		// defaults sets on a copy of obj what defaulting sets.
		defaults func(obj mltesting.Object)
	}{
		{
			kind: "Pipeline",
			obj:  pipeline,
			defaults: func(obj mltesting.Object) {
				defaultedPipelineSpec(&obj.(*mlv1alpha1.Pipeline).Spec)
			},
		},
		{
			kind: "PipelineRun",
			obj:  mltesting.NewPipelineRun("dry-run", "").Inline(&pipeline.Spec).Obj(),
			defaults: func(obj mltesting.Object) {
				defaultedPipelineSpec(obj.(*mlv1alpha1.PipelineRun).Spec.PipelineSpec)
			},
		},
		{
			kind: "TrainingJob",
			obj:  mltesting.NewTrainingJob("dry-run", "").Obj(),
			defaults: func(obj mltesting.Object) {
				spec := &obj.(*mlv1alpha1.TrainingJob).Spec
				spec.Framework = mlv1alpha1.FrameworkGeneric
				spec.Replicas = ptr.To[int32](1)
				spec.BackoffLimit = ptr.To(mlv1alpha1.DefaultBackoffLimit)
				spec.MasterPort = ptr.To(mlv1alpha1.DefaultMasterPort)
				spec.CleanPodPolicy = mlv1alpha1.CleanPodPolicyRunning
			},
		},
		{
			kind: "Model",
			obj:  mltesting.NewModel("dry-run", "").Obj(),
			defaults: func(obj mltesting.Object) {
				spec := &obj.(*mlv1alpha1.Model).Spec
				spec.Replicas = ptr.To[int32](1)
				spec.Runtime.Port = mlv1alpha1.DefaultModelPort
			},
		},
		{
			kind: "Notebook",
			obj:  mltesting.NewNotebook("dry-run", "").Obj(),
			defaults: func(obj mltesting.Object) {
				spec := &obj.(*mlv1alpha1.Notebook).Spec
				spec.Replicas = ptr.To[int32](1)
				spec.Port = mlv1alpha1.DefaultNotebookPort
				spec.Workspace = &mlv1alpha1.WorkspaceSpec{
					VolumeSize: ptr.To(resource.MustParse(mlv1alpha1.DefaultWorkspaceSize)),
					MountPath:  mlv1alpha1.DefaultWorkspaceMountPath,
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			k := mltesting.KindNamed(tc.kind)
			c := k.Client(cs, ns)

			got, err := c.Create(ctx, tc.obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil {
				t.Fatalf("dry-run create: %v", err)
			}
			want := tc.obj.DeepCopyObject().(mltesting.Object)
			tc.defaults(want)
			if diff := cmp.Diff(mltesting.FieldValue(t, want, "spec"), mltesting.FieldValue(t, got, "spec")); diff != "" {
				t.Errorf("dry-run create did not return the defaulted spec (-want +got):\n%s", diff)
			}
			if got.GetName() != "dry-run" || got.GetNamespace() != ns || got.GetGeneration() != 1 {
				t.Errorf("dry-run create returned name %q, namespace %q, generation %d; want dry-run, %s, 1",
					got.GetName(), got.GetNamespace(), got.GetGeneration(), ns)
			}

			if _, err := c.Get(ctx, "dry-run", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get after a dry-run create: want NotFound, got %v", err)
			}
			list, err := c.List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(list.Items) != 0 {
				t.Errorf("list after a dry-run create: want nothing, got %v", list.Names())
			}
		})
	}
}
