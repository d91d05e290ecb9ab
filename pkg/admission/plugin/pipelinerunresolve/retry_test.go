package pipelinerunresolve

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	clienttesting "k8s.io/client-go/testing"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// retryPlugin returns the plugin over a client holding runs, whose
// pipeline subresource serves snapshot for every run.
func retryPlugin(t *testing.T, snapshot *mlv1alpha1.Pipeline, runs ...runtime.Object) *Plugin {
	t.Helper()
	p := New()
	p.Gate().Wait = 0
	factory := externalversions.NewSharedInformerFactory(fake.NewClientset(), 0)
	p.SetMLInformerFactory(factory)
	client := fake.NewClientset(runs...)
	client.PrependReactor("get", "pipelineruns", func(action clienttesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "pipeline" {
			return false, nil, nil
		}
		if action.(clienttesting.GetAction).GetName() == "unresolved" {
			return true, nil, apierrors.NewNotFound(ml.Resource("pipelineruns/pipeline"), "unresolved")
		}
		return true, snapshot.DeepCopy(), nil
	})
	p.SetMLClient(client)
	factory.Start(t.Context().Done())
	factory.WaitForCacheSync(t.Context().Done())
	t.Cleanup(factory.Shutdown)
	return p
}

func TestAdmitRetryOf(t *testing.T) {
	pipeline := trainPipeline()
	snapshot := admissiontest.Versioned(t, pipeline, &mlv1alpha1.Pipeline{})
	ended := func(name string, phase ml.PipelineRunPhase) *mlv1alpha1.PipelineRun {
		r := mltesting.MakePipelineRun(name, ns).PipelineRef("train").Param("epochs", "3").Obj()
		r.Status.Phase = phase
		r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2, Hash: "sha256:x", Tasks: 1}
		r.Status.Params = []ml.Param{{Name: "lr", Value: "0.1"}, {Name: "epochs", Value: "3"}}
		r.Status.Tasks = []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskSucceeded, PodName: name + "-fit-1",
			Outputs: []ml.Param{{Name: "model", Value: "s3://m"}}}}
		return admissiontest.Versioned(t, r, &mlv1alpha1.PipelineRun{})
	}
	p := retryPlugin(t, snapshot,
		ended("failed", ml.PipelineRunFailed), ended("canceled", ml.PipelineRunCanceled),
		ended("running", ml.PipelineRunRunning), ended("succeeded", ml.PipelineRunSucceeded), ended("unresolved", ml.PipelineRunFailed))

	for _, name := range []string{"failed", "canceled"} {
		t.Run(name, func(t *testing.T) {
			run := mltesting.MakePipelineRun(name+"-retry-1", ns).RetryOf(name).Obj()
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: run.Name, Object: run}.Attributes()
			if err := p.Admit(t.Context(), a, nil); err != nil {
				t.Fatalf("Admit: %v", err)
			}
			if diff := cmp.Diff(&pipeline.Spec, run.Status.PipelineSpec); diff != "" {
				t.Errorf("status.pipelineSpec (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]ml.Param{{Name: "lr", Value: "0.1"}, {Name: "epochs", Value: "3"}}, run.Status.Params); diff != "" {
				t.Errorf("status.params (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(&ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2}, run.Status.Pipeline); diff != "" {
				t.Errorf("status.pipeline (-want +got):\n%s", diff)
			}
			want := []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskSucceeded, Reason: plan.ReasonReused,
				Message: "reused the outputs of this task from run " + name, Outputs: []ml.Param{{Name: "model", Value: "s3://m"}}}}
			if diff := cmp.Diff(want, run.Status.Tasks); diff != "" {
				t.Errorf("status.tasks (-want +got):\n%s", diff)
			}
			if err := p.Validate(t.Context(), a, nil); err != nil {
				t.Errorf("Validate after Admit: %v", err)
			}
		})
	}
	refused := map[string][]string{
		"running":    {"spec.retryOf.name", `PipelineRun "running" is Running: only a run that ended Failed or Canceled can be retried`},
		"succeeded":  {"spec.retryOf.name", `PipelineRun "succeeded" is Succeeded`},
		"missing":    {"spec.retryOf.name", `PipelineRun "missing" does not exist in namespace`},
		"unresolved": {"spec.retryOf.name", `PipelineRun "unresolved" has no pipeline snapshot to retry`},
	}
	for name, wantErr := range refused {
		t.Run(name, func(t *testing.T) {
			run := mltesting.MakePipelineRun("r", ns).RetryOf(name).Obj()
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: run.Name, Object: run}.Attributes()
			err := p.Admit(t.Context(), a, nil)
			checkErr(t, err, 422, wantErr)
			if !apierrors.IsInvalid(err) {
				t.Errorf("want Invalid, got %v", err)
			}
		})
	}
}

// TestAdmitRetryOfAuthorized refuses a retry by a user who may not read the
// run retried or its pipeline.
func TestAdmitRetryOfAuthorized(t *testing.T) {
	prev := mltesting.MakePipelineRun("failed", ns).PipelineRef("train").Obj()
	prev.Status.Phase = ml.PipelineRunFailed
	snapshot := admissiontest.Versioned(t, trainPipeline(), &mlv1alpha1.Pipeline{})
	p := retryPlugin(t, snapshot, admissiontest.Versioned(t, prev, &mlv1alpha1.PipelineRun{}))
	for name, tc := range map[string]struct {
		allowed []string // subresources alice may get
		wantErr string
	}{
		"may read both":             {allowed: []string{"", "pipeline"}},
		"may not read the run":      {allowed: []string{"pipeline"}, wantErr: `needs get on pipelineruns in namespace`},
		"may not read the snapshot": {allowed: []string{""}, wantErr: `needs get on pipelineruns/pipeline in namespace`},
	} {
		t.Run(name, func(t *testing.T) {
			p.SetAuthorizer(authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
				if a.GetUser().GetName() == "alice" && a.GetVerb() == "get" && a.GetResource() == "pipelineruns" &&
					a.GetName() == "failed" && a.GetNamespace() == ns && slices.Contains(tc.allowed, a.GetSubresource()) {
					return authorizer.DecisionAllow, "", nil
				}
				return authorizer.DecisionNoOpinion, "", nil
			}))
			run := mltesting.MakePipelineRun("r", ns).RetryOf("failed").Obj()
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: run.Name, Object: run}.Attributes()
			err := p.Admit(t.Context(), a, nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Admit: %v", err)
				}
				return
			}
			checkErr(t, err, 403, []string{"spec.retryOf", tc.wantErr})
		})
	}
}
