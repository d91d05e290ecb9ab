package trainingruntimeresolve

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

const ns = admissiontest.Namespace

func clusterRuntime(t *testing.T, name string, generation int64) *mlv1alpha1.ClusterTrainingRuntime {
	r := admissiontest.Versioned(t, &ml.ClusterTrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: generation},
		Spec:       ml.TrainingRuntimeSpec{Template: *torchTemplate()},
	}, &mlv1alpha1.ClusterTrainingRuntime{})
	return r
}

func namespacedRuntime(t *testing.T, name string) *mlv1alpha1.TrainingRuntime {
	return admissiontest.Versioned(t, &ml.TrainingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1},
		Spec: ml.TrainingRuntimeSpec{Template: ml.TrainingRuntimeTemplate{
			Framework: ml.FrameworkJAX, ContainerSpec: ml.ContainerSpec{Command: []string{"/usr/bin/python3", "train.py"}},
		}},
	}, &mlv1alpha1.TrainingRuntime{})
}

func newPlugin(t *testing.T, objs ...runtime.Object) (*Plugin, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	p := New()
	p.SetMLClient(client)
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	return p, client
}

func jobNaming(kind ml.TrainingRuntimeKind, name string) *ml.TrainingJob {
	return &ml.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: ns, Annotations: map[string]string{mlv1alpha1.TrainingRuntimeAnnotation: "forged"}},
		Spec: ml.TrainingJobSpec{
			RuntimeRef:    &ml.TrainingRuntimeRef{Kind: kind, Name: name},
			ContainerSpec: ml.ContainerSpec{Args: []string{"train.py", "--lr=0.1"}},
			BackoffLimit:  ptr.To[int32](3),
		},
	}
}

func admit(t *testing.T, p *Plugin, job *ml.TrainingJob) error {
	t.Helper()
	return p.Admit(t.Context(), admissiontest.Request{Resource: "trainingjobs", Kind: "TrainingJob", Name: job.Name, Object: job}.Attributes(), nil)
}

func TestAdmitMergesTheRuntime(t *testing.T) {
	p, _ := newPlugin(t, clusterRuntime(t, "torch", 7))
	job := jobNaming(ml.ClusterTrainingRuntimeKind, "torch")
	if err := admit(t, p, job); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	want := ml.TrainingJobSpec{RuntimeRef: job.Spec.RuntimeRef, BackoffLimit: ptr.To[int32](3),
		ContainerSpec: ml.ContainerSpec{Args: []string{"train.py", "--lr=0.1"}}}
	Merge(&want, torchTemplate())
	if diff := cmp.Diff(want, job.Spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	wantAnnotations := map[string]string{
		mlv1alpha1.TrainingRuntimeAnnotation:           "ClusterTrainingRuntime/torch",
		mlv1alpha1.TrainingRuntimeGenerationAnnotation: "7",
	}
	if diff := cmp.Diff(wantAnnotations, job.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}

func TestAdmitNamespacedRuntimeAndDefaults(t *testing.T) {
	p, _ := newPlugin(t, namespacedRuntime(t, "jax"))
	job := jobNaming(ml.TrainingRuntimeKindName, "jax")
	if err := admit(t, p, job); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	s := job.Spec
	if s.Framework != ml.FrameworkJAX || s.Command[0] != "/usr/bin/python3" || *s.Replicas != 1 || *s.MasterPort != mlv1alpha1.DefaultMasterPort || s.NumProcPerNode != nil {
		t.Errorf("framework %q, command %v, replicas %v, masterPort %v, numProcPerNode %v: want JAX, the runtime's command, and defaults for the rest",
			s.Framework, s.Command, s.Replicas, s.MasterPort, s.NumProcPerNode)
	}
}

func TestAdmitMissingRuntime(t *testing.T) {
	p, _ := newPlugin(t, clusterRuntime(t, "torch", 1), namespacedRuntime(t, "jax"))
	for name, tc := range map[string]struct {
		job  *ml.TrainingJob
		want string
	}{
		"cluster":    {jobNaming(ml.ClusterTrainingRuntimeKind, "tf"), `ClusterTrainingRuntime "tf" does not exist`},
		"namespaced": {jobNaming(ml.TrainingRuntimeKindName, "torch"), `TrainingRuntime "torch" does not exist in namespace "team-a"`},
	} {
		t.Run(name, func(t *testing.T) {
			err := admit(t, p, tc.job)
			status, ok := err.(apierrors.APIStatus)
			if !ok || status.Status().Code != 422 {
				t.Fatalf("want a 422 error, got %v", err)
			}
			for _, w := range []string{"spec.runtimeRef.name", tc.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestSnapshot: a job admitted before the runtime changes keeps what it
// got; a job admitted after gets the change.
func TestSnapshot(t *testing.T) {
	p, client := newPlugin(t, clusterRuntime(t, "torch", 1))
	first := jobNaming(ml.ClusterTrainingRuntimeKind, "torch")
	if err := admit(t, p, first); err != nil {
		t.Fatal(err)
	}
	admitted := first.DeepCopy()
	edited := clusterRuntime(t, "torch", 2)
	edited.Spec.Template.Image = "pytorch/pytorch:2.6"
	edited.Spec.Template.Env[0].Value = "INFO"
	if _, err := client.MlV1alpha1().ClusterTrainingRuntimes().Update(t.Context(), edited, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	second := jobNaming(ml.ClusterTrainingRuntimeKind, "torch")
	if err := admit(t, p, second); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(admitted, first); diff != "" {
		t.Errorf("the first job changed with the runtime (-admitted +now):\n%s", diff)
	}
	if second.Spec.Image != "pytorch/pytorch:2.6" || second.Spec.Env[0].Value != "INFO" || second.Annotations[mlv1alpha1.TrainingRuntimeGenerationAnnotation] != "2" {
		t.Errorf("the second job did not get the edited runtime: image %q, env %v, annotations %v", second.Spec.Image, second.Spec.Env, second.Annotations)
	}
}

func TestIgnored(t *testing.T) {
	p, _ := newPlugin(t)
	plain := &ml.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: ns, Annotations: map[string]string{mlv1alpha1.TrainingRuntimeAnnotation: "forged"}}}
	if err := admit(t, p, plain); err != nil {
		t.Fatalf("Admit of a job without a runtime: %v", err)
	}
	if _, ok := plain.Annotations[mlv1alpha1.TrainingRuntimeAnnotation]; ok {
		t.Errorf("a forged %s annotation is kept", mlv1alpha1.TrainingRuntimeAnnotation)
	}
	job := jobNaming(ml.ClusterTrainingRuntimeKind, "missing")
	for name, req := range map[string]admissiontest.Request{
		"update":             {Operation: admission.Update, Resource: "trainingjobs", Kind: "TrainingJob", Object: job, Old: job},
		"status subresource": {Operation: admission.Update, Resource: "trainingjobs", Subresource: "status", Kind: "TrainingJob", Object: job, Old: job},
	} {
		t.Run(name, func(t *testing.T) {
			if err := p.Admit(t.Context(), req.Attributes(), nil); err != nil {
				t.Errorf("Admit: %v", err)
			}
		})
	}
}

func TestDeleteWarns(t *testing.T) {
	used := admissiontest.Versioned(t, jobNaming(ml.ClusterTrainingRuntimeKind, "torch"), &mlv1alpha1.TrainingJob{})
	p, _ := newPlugin(t, clusterRuntime(t, "torch", 1), clusterRuntime(t, "tf", 1), used)
	for name, tc := range map[string]struct {
		resource, kind, runtime string
		want                    []string
	}{
		"in use":             {"clustertrainingruntimes", "ClusterTrainingRuntime", "torch", []string{`ClusterTrainingRuntime "torch" is named by 1 TrainingJob(s) (team-a/j)`}},
		"unused":             {"clustertrainingruntimes", "ClusterTrainingRuntime", "tf", nil},
		"namespaced, unused": {"trainingruntimes", "TrainingRuntime", "torch", nil},
	} {
		t.Run(name, func(t *testing.T) {
			var warnings admissiontest.Warnings
			a := admissiontest.Request{Operation: admission.Delete, Resource: tc.resource, Kind: tc.kind, Name: tc.runtime}.Attributes()
			if err := p.Validate(warnings.Context(t), a, nil); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if len(tc.want) != len(warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %q does not start with %q", warnings[i], w)
				}
			}
		})
	}
}
