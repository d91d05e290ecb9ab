package retry

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

var runsResource = schema.GroupVersionResource{Group: "ml.example.io", Version: "v1alpha1", Resource: "pipelineruns"}

func failedRun() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ml.example.io/v1alpha1", "kind": "PipelineRun",
		"metadata": map[string]any{"name": "train-1", "namespace": "team-a"},
		"spec": map[string]any{
			"pipelineRef": map[string]any{"name": "train"}, "params": []any{map[string]any{"name": "lr", "value": "0.1"}},
			"parallelism": int64(2), "failFast": true, "suspend": true,
		},
		"status": map[string]any{"phase": "Failed"},
	}}
}

// newOptions returns options over a fake client holding the failed run;
// created receives the objects the command creates, and createErr, when
// set, is what the server answers.
func newOptions(t *testing.T, created *[]*unstructured.Unstructured, createErr error) (*Options, *bytes.Buffer) {
	t.Helper()
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{runsResource: "PipelineRunList"}, failedRun())
	client.PrependReactor("create", "pipelineruns", func(action clienttesting.Action) (bool, runtime.Object, error) {
		if createErr != nil {
			return true, nil, createErr
		}
		obj := action.(clienttesting.CreateAction).GetObject().(*unstructured.Unstructured).DeepCopy()
		*created = append(*created, obj.DeepCopy())
		obj.SetName(obj.GetGenerateName() + "x7k2p")
		return true, obj, nil
	})
	var out bytes.Buffer
	return &Options{
		runs:      client.Resource(runsResource).Namespace("team-a"),
		IOStreams: genericiooptions.IOStreams{Out: &out},
		target:    util.Target{Resource: "pipelineruns", Namespace: "team-a", Name: "train-1"},
	}, &out
}

func TestRun(t *testing.T) {
	var created []*unstructured.Unstructured
	o, out := newOptions(t, &created, nil)
	if err := o.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []*unstructured.Unstructured{{Object: map[string]any{
		"apiVersion": "ml.example.io/v1alpha1", "kind": "PipelineRun",
		"metadata": map[string]any{"generateName": "train-1-retry-"},
		"spec":     map[string]any{"retryOf": map[string]any{"name": "train-1"}, "parallelism": int64(2), "failFast": true},
	}}}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if got, want := out.String(), "pipelinerun.ml.example.io/train-1-retry-x7k2p created\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// The server's refusal is returned as it is.
func TestRunRefused(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "ml.example.io", Kind: "PipelineRun"}, "", field.ErrorList{
		field.Invalid(field.NewPath("spec", "retryOf", "name"), "train-1", `PipelineRun "train-1" is Running: only a run that ended Failed or Canceled can be retried`),
	})
	var created []*unstructured.Unstructured
	o, out := newOptions(t, &created, invalid)
	if err := o.Run(t.Context()); err != invalid {
		t.Errorf("Run: %v, want the server's error %v", err, invalid)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
}
