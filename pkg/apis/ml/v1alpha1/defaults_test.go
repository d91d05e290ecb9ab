package v1alpha1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// newScheme returns a scheme with the group installed the way the server
// installs it, so the tests see the defaulters the server runs.
func newScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	return scheme
}

// defaultCase is one object before defaulting and what it must become.
type defaultCase struct {
	name string
	in   runtime.Object
	want runtime.Object
}

func runDefaultCases(t *testing.T, cases []defaultCase) {
	t.Helper()
	scheme := newScheme()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.DeepCopyObject()
			scheme.Default(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("defaulted object mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

func TestTrainingJobDefaults(t *testing.T) {
	defaulted := func(mutate func(*mlv1alpha1.TrainingJobSpec)) *mlv1alpha1.TrainingJob {
		tj := &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
			Framework:      mlv1alpha1.FrameworkGeneric,
			Replicas:       ptr.To[int32](1),
			BackoffLimit:   ptr.To[int32](3),
			MasterPort:     ptr.To[int32](29500),
			CleanPodPolicy: mlv1alpha1.CleanPodPolicyRunning,
		}}
		if mutate != nil {
			mutate(&tj.Spec)
		}
		return tj
	}
	runDefaultCases(t, []defaultCase{
		{
			name: "empty spec",
			in:   &mlv1alpha1.TrainingJob{},
			want: defaulted(nil),
		},
		{
			// The runtime's template fills them at admission.
			name: "a job naming a runtime keeps framework, replicas and masterPort unset",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				RuntimeRef: &mlv1alpha1.TrainingRuntimeRef{Name: "torch"},
			}},
			want: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				RuntimeRef:     &mlv1alpha1.TrainingRuntimeRef{Kind: mlv1alpha1.ClusterTrainingRuntimeKind, Name: "torch"},
				BackoffLimit:   ptr.To[int32](3),
				CleanPodPolicy: mlv1alpha1.CleanPodPolicyRunning,
			}},
		},
		{
			name: "replicas start at elastic minReplicas",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				Elastic: &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](2), MaxReplicas: ptr.To[int32](4)},
			}},
			want: defaulted(func(s *mlv1alpha1.TrainingJobSpec) {
				s.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](2), MaxReplicas: ptr.To[int32](4)}
				s.Replicas = ptr.To[int32](2)
			}),
		},
		{
			name: "elastic without minReplicas starts at one replica",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				Elastic: &mlv1alpha1.ElasticPolicy{MaxReplicas: ptr.To[int32](4)},
			}},
			want: defaulted(func(s *mlv1alpha1.TrainingJobSpec) {
				s.Elastic = &mlv1alpha1.ElasticPolicy{MaxReplicas: ptr.To[int32](4)}
			}),
		},
		{
			name: "explicit values are kept, zeros included",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				Framework:      mlv1alpha1.FrameworkPyTorch,
				Replicas:       ptr.To[int32](0),
				Elastic:        &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](2)},
				BackoffLimit:   ptr.To[int32](0),
				MasterPort:     ptr.To[int32](23456),
				CleanPodPolicy: mlv1alpha1.CleanPodPolicyNone,
				Metrics:        &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush},
			}},
			want: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				Framework:      mlv1alpha1.FrameworkPyTorch,
				Replicas:       ptr.To[int32](0),
				Elastic:        &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](2)},
				BackoffLimit:   ptr.To[int32](0),
				MasterPort:     ptr.To[int32](23456),
				CleanPodPolicy: mlv1alpha1.CleanPodPolicyNone,
				Metrics:        &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush},
			}},
		},
		{
			name: "metrics collector defaults to StdOut and keeps the format",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				Metrics: &mlv1alpha1.MetricsSpec{Format: `(\w+)=(\S+)`},
			}},
			want: defaulted(func(s *mlv1alpha1.TrainingJobSpec) {
				s.Metrics = &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorStdOut, Format: `(\w+)=(\S+)`}
			}),
		},
		{
			name: "core defaults of embedded env vars apply",
			in: &mlv1alpha1.TrainingJob{Spec: mlv1alpha1.TrainingJobSpec{
				ContainerSpec: mlv1alpha1.ContainerSpec{Env: []corev1.EnvVar{{
					Name:      "TOKEN",
					ValueFrom: &corev1.EnvVarSource{FileKeyRef: &corev1.FileKeySelector{VolumeName: "config", Path: "env", Key: "TOKEN"}},
				}}},
			}},
			want: defaulted(func(s *mlv1alpha1.TrainingJobSpec) {
				s.Env = []corev1.EnvVar{{
					Name:      "TOKEN",
					ValueFrom: &corev1.EnvVarSource{FileKeyRef: &corev1.FileKeySelector{VolumeName: "config", Path: "env", Key: "TOKEN", Optional: ptr.To(false)}},
				}}
			}),
		},
	})
}

func TestPipelineDefaults(t *testing.T) {
	backoff := &mlv1alpha1.Backoff{Duration: "10s"}
	defaultedBackoff := &mlv1alpha1.Backoff{Duration: "10s", Factor: ptr.To[int32](2)}
	runDefaultCases(t, []defaultCase{
		{
			name: "param type defaults to string and keeps given types",
			in: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Params: []mlv1alpha1.ParamSpec{{Name: "dataset"}, {Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			}},
			want: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Params: []mlv1alpha1.ParamSpec{{Name: "dataset", Type: mlv1alpha1.ParamTypeString}, {Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			}},
		},
		{
			name: "retries without backoff stay without backoff",
			in: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks: []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2}}},
			}},
			want: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks: []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2}}},
			}},
		},
		{
			name: "backoff factor defaults in tasks and finally tasks",
			in: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks:   []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: backoff.DeepCopy()}}},
				Finally: []mlv1alpha1.PipelineTask{{Name: "notify", Retries: &mlv1alpha1.RetryPolicy{Limit: 1, Backoff: &mlv1alpha1.Backoff{}}}},
			}},
			want: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks:   []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: defaultedBackoff.DeepCopy()}}},
				Finally: []mlv1alpha1.PipelineTask{{Name: "notify", Retries: &mlv1alpha1.RetryPolicy{Limit: 1, Backoff: &mlv1alpha1.Backoff{Factor: ptr.To[int32](2)}}}},
			}},
		},
		{
			name: "explicit backoff factor is kept",
			in: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks: []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: &mlv1alpha1.Backoff{Factor: ptr.To[int32](1)}}}},
			}},
			want: &mlv1alpha1.Pipeline{Spec: mlv1alpha1.PipelineSpec{
				Tasks: []mlv1alpha1.PipelineTask{{Name: "train", Retries: &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: &mlv1alpha1.Backoff{Factor: ptr.To[int32](1)}}}},
			}},
		},
	})
}

func TestPipelineRunDefaults(t *testing.T) {
	inline := func(typ mlv1alpha1.ParamType, factor *int32) *mlv1alpha1.PipelineSpec {
		return &mlv1alpha1.PipelineSpec{
			Params: []mlv1alpha1.ParamSpec{{Name: "epochs", Type: typ}},
			Tasks: []mlv1alpha1.PipelineTask{{
				Name:    "train",
				Retries: &mlv1alpha1.RetryPolicy{Limit: 1, Backoff: &mlv1alpha1.Backoff{Factor: factor}},
			}},
		}
	}
	runDefaultCases(t, []defaultCase{
		{
			name: "pipelineRef run is left alone",
			in: &mlv1alpha1.PipelineRun{Spec: mlv1alpha1.PipelineRunSpec{
				PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "train-eval"},
				Params:      []mlv1alpha1.Param{{Name: "epochs", Value: "3"}},
			}},
			want: &mlv1alpha1.PipelineRun{Spec: mlv1alpha1.PipelineRunSpec{
				PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "train-eval"},
				Params:      []mlv1alpha1.Param{{Name: "epochs", Value: "3"}},
			}},
		},
		{
			name: "inline pipeline spec is defaulted",
			in:   &mlv1alpha1.PipelineRun{Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: inline("", nil)}},
			want: &mlv1alpha1.PipelineRun{Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: inline(mlv1alpha1.ParamTypeString, ptr.To[int32](2))}},
		},
		{
			name: "resolved snapshot in status is defaulted",
			in:   &mlv1alpha1.PipelineRun{Status: mlv1alpha1.PipelineRunStatus{PipelineSpec: inline("", nil)}},
			want: &mlv1alpha1.PipelineRun{Status: mlv1alpha1.PipelineRunStatus{PipelineSpec: inline(mlv1alpha1.ParamTypeString, ptr.To[int32](2))}},
		},
	})
}

func TestModelDefaults(t *testing.T) {
	source := mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: "mnist-ddp"}}
	runDefaultCases(t, []defaultCase{
		{
			name: "replicas and port",
			in:   &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{Source: source}},
			want: &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{
				Source:   source,
				Runtime:  mlv1alpha1.ModelRuntime{Port: 8080},
				Replicas: ptr.To[int32](1),
			}},
		},
		{
			name: "explicit values are kept, zero replicas included",
			in: &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{
				Source:   source,
				Runtime:  mlv1alpha1.ModelRuntime{Image: "server:1", Port: 9000},
				Replicas: ptr.To[int32](0),
			}},
			want: &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{
				Source:   source,
				Runtime:  mlv1alpha1.ModelRuntime{Image: "server:1", Port: 9000},
				Replicas: ptr.To[int32](0),
			}},
		},
		{
			name: "core defaults of embedded volumes apply",
			in: &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{
				Source:     source,
				Runtime:    mlv1alpha1.ModelRuntime{Port: 8080},
				Replicas:   ptr.To[int32](1),
				PodOptions: mlv1alpha1.PodOptions{Volumes: []corev1.Volume{{Name: "weights", VolumeSource: corev1.VolumeSource{RBD: &corev1.RBDVolumeSource{CephMonitors: []string{"mon:6789"}, RBDImage: "weights"}}}}},
			}},
			want: &mlv1alpha1.Model{Spec: mlv1alpha1.ModelSpec{
				Source:   source,
				Runtime:  mlv1alpha1.ModelRuntime{Port: 8080},
				Replicas: ptr.To[int32](1),
				PodOptions: mlv1alpha1.PodOptions{Volumes: []corev1.Volume{{Name: "weights", VolumeSource: corev1.VolumeSource{RBD: &corev1.RBDVolumeSource{
					CephMonitors: []string{"mon:6789"}, RBDImage: "weights", RBDPool: "rbd", RadosUser: "admin", Keyring: "/etc/ceph/keyring",
				}}}}},
			}},
		},
	})
}

func TestNotebookDefaults(t *testing.T) {
	runDefaultCases(t, []defaultCase{
		{
			name: "replicas, port and a default workspace",
			in:   &mlv1alpha1.Notebook{},
			want: &mlv1alpha1.Notebook{Spec: mlv1alpha1.NotebookSpec{
				Replicas:  ptr.To[int32](1),
				Port:      8888,
				Workspace: &mlv1alpha1.WorkspaceSpec{VolumeSize: quantity("10Gi"), MountPath: "/home/jovyan"},
			}},
		},
		{
			name: "empty workspace gets size and mount path",
			in:   &mlv1alpha1.Notebook{Spec: mlv1alpha1.NotebookSpec{Workspace: &mlv1alpha1.WorkspaceSpec{}}},
			want: &mlv1alpha1.Notebook{Spec: mlv1alpha1.NotebookSpec{
				Replicas:  ptr.To[int32](1),
				Port:      8888,
				Workspace: &mlv1alpha1.WorkspaceSpec{VolumeSize: quantity("10Gi"), MountPath: "/home/jovyan"},
			}},
		},
		{
			name: "explicit values are kept, stopped replicas included",
			in: &mlv1alpha1.Notebook{Spec: mlv1alpha1.NotebookSpec{
				Replicas:  ptr.To[int32](0),
				Port:      8889,
				Workspace: &mlv1alpha1.WorkspaceSpec{VolumeSize: quantity("5Gi"), StorageClassName: ptr.To("fast"), MountPath: "/workspace"},
			}},
			want: &mlv1alpha1.Notebook{Spec: mlv1alpha1.NotebookSpec{
				Replicas:  ptr.To[int32](0),
				Port:      8889,
				Workspace: &mlv1alpha1.WorkspaceSpec{VolumeSize: quantity("5Gi"), StorageClassName: ptr.To("fast"), MountPath: "/workspace"},
			}},
		},
	})
}
