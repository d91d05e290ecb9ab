package workloadsecurity

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

// skipEnv leaves env out of the field checks: pod security does not read it.
var skipEnv = map[string]string{"Env": "pod security does not read env"}

// TestPodsOfFields: the pods the plugin checks carry every container and
// pod field of the API, for every kind, as the controllers' pods do.
func TestPodsOfFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		// pod is the index of the checked pod in podsOf.
		pod  int
		make func(c *ml.ContainerSpec, opts *ml.PodOptions) any
	}{
		{name: "TrainingJob", make: func(c *ml.ContainerSpec, opts *ml.PodOptions) any {
			return &ml.TrainingJob{Spec: ml.TrainingJobSpec{ContainerSpec: *c, PodOptions: *opts}}
		}},
		{name: "Notebook", make: func(c *ml.ContainerSpec, opts *ml.PodOptions) any {
			return &ml.Notebook{ObjectMeta: metav1.ObjectMeta{Name: "nb"}, Spec: ml.NotebookSpec{ContainerSpec: *c, PodOptions: *opts}}
		}},
		{name: "Model", make: func(c *ml.ContainerSpec, opts *ml.PodOptions) any {
			return &ml.Model{Spec: ml.ModelSpec{
				Runtime:   ml.ModelRuntime{Image: c.Image, Command: c.Command, Args: c.Args, Env: c.Env},
				Resources: c.Resources, PodOptions: *opts,
			}}
		}},
		{name: "PipelineRun task", make: func(c *ml.ContainerSpec, opts *ml.PodOptions) any {
			task := ml.PipelineTask{Name: "fit", ContainerSpec: *c, PodOptions: *opts}
			return &ml.PipelineRun{Status: ml.PipelineRunStatus{PipelineSpec: &ml.PipelineSpec{Tasks: []ml.PipelineTask{task}}}}
		}},
		{name: "PipelineRun finally task", pod: 1, make: func(c *ml.ContainerSpec, opts *ml.PodOptions) any {
			task := ml.PipelineTask{Name: "notify", ContainerSpec: *c, PodOptions: *opts}
			return &ml.PipelineRun{Spec: ml.PipelineRunSpec{PipelineSpec: &ml.PipelineSpec{
				Tasks: []ml.PipelineTask{{Name: "fit"}}, Finally: []ml.PipelineTask{task},
			}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			podtemplatetest.CheckFields(t, func(t *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
				var ic ml.ContainerSpec
				var iopts ml.PodOptions
				if err := mlv1alpha1.Convert_v1alpha1_ContainerSpec_To_ml_ContainerSpec(c, &ic, nil); err != nil {
					t.Fatal(err)
				}
				if err := mlv1alpha1.Convert_v1alpha1_PodOptions_To_ml_PodOptions(opts, &iopts, nil); err != nil {
					t.Fatal(err)
				}
				pods, ok := podsOf(tc.make(&ic, &iopts))
				if !ok || len(pods) <= tc.pod {
					t.Fatalf("podsOf = %d pods, %v; want pod %d", len(pods), ok, tc.pod)
				}
				p := pods[tc.pod]
				return corev1.PodTemplateSpec{ObjectMeta: p.meta, Spec: p.spec}
			}, skipEnv)
		})
	}
}
