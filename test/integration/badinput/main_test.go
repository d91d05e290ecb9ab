// Package badinput tests that the server rejects bad requests with the
// right status code and a message that says what is wrong, and stores
// nothing: malformed JSON, invalid specs, cyclic pipelines and unknown
// fields under strict field validation.
package badinput

import (
	"context"
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is shared by every test of the package; each test works in a
// namespace of its own.
var server *framework.TestServer

func TestMain(m *testing.M) {
	// The local runtime starts this test binary as the launcher of its
	// confined processes.
	launcher.RunIfLauncher()
	framework.Main(m, &server)
}

// setup returns the context, an admin clientset and a fresh namespace for
// a test.
func setup(t *testing.T) (context.Context, versioned.Interface, string) {
	t.Helper()
	return t.Context(), server.Clientset(), framework.NewNamespace(t)
}

// post sends body to the collection of resource in ns through the raw REST
// client, with the query parameters params (name, value pairs), and returns
// the status code and the error.
func post(ctx context.Context, cs versioned.Interface, ns, resource string, body []byte, params ...string) (int, error) {
	req := cs.MlV1alpha1().RESTClient().Post().
		AbsPath("/apis/ml.example.io/v1alpha1/namespaces", ns, resource).
		SetHeader("Content-Type", "application/json").
		Body(body)
	for i := 0; i+1 < len(params); i += 2 {
		req = req.Param(params[i], params[i+1])
	}
	var code int
	err := req.Do(ctx).StatusCode(&code).Error()
	return code, err
}

// expectNothingStored fails the test unless the namespace holds no object
// of kind k.
func expectNothingStored(ctx context.Context, t *testing.T, cs versioned.Interface, ns string, k mltesting.Kind) {
	t.Helper()
	list, err := k.Client(cs, ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list %s: %v", k.Resource, err)
	}
	if len(list.Items) != 0 {
		t.Errorf("a rejected request stored %s %v", k.Resource, list.Names())
	}
}

// body returns the JSON of obj, as kind k, with apiVersion and kind set.
func body(t *testing.T, k mltesting.Kind, obj mltesting.Object) map[string]any {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["apiVersion"] = "ml.example.io/v1alpha1"
	m["kind"] = k.Name
	return m
}

// marshal encodes v as JSON.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
