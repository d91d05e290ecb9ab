// Package protobuf tests the protobuf encoding of ml.example.io: served to
// clients that ask for it next to JSON clients (kubectl), and used to store
// objects in etcd, reading objects earlier servers stored as JSON.
package protobuf

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// protobufPrefix starts every object k8s.io/apimachinery stores as
// protobuf.
var protobufPrefix = []byte("k8s\x00")

// storedObject is one object of a kind, as the test creates it.
type storedObject struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	obj        *unstructured.Unstructured
}

// etcdKey is where the server stores o.
func (o storedObject) etcdKey() string {
	if o.namespaced {
		return fmt.Sprintf("%s/%s/%s/%s/%s", options.EtcdPathPrefix, ml.GroupName, o.gvr.Resource, o.obj.GetNamespace(), o.obj.GetName())
	}
	return fmt.Sprintf("%s/%s/%s/%s", options.EtcdPathPrefix, ml.GroupName, o.gvr.Resource, o.obj.GetName())
}

// recurringRun is a RecurringRun as a user writes it.
const recurringRun = `apiVersion: ml.example.io/v1alpha1
kind: RecurringRun
metadata:
  name: kept
spec:
  schedule:
    cron: "0 2 * * *"
  runTemplate:
    trainingJob:
      image: python:3.12
      command: [python, train.py]
`

// objectsOfEveryKind returns one valid object of every kind the server
// serves, namespaced ones in ns. It fails the test when the server serves
// a kind it has no object for, so a new kind cannot skip the tests.
func objectsOfEveryKind(t *testing.T, cfg *rest.Config, ns string) []storedObject {
	t.Helper()
	typed := []runtime.Object{
		mltesting.NewClusterServingRuntime("kept-"+ns, "pytorch", 1),
		mltesting.NewServingRuntime("kept", ns, "pytorch", 1),
		toV1alpha1(t, mltesting.MakeClusterTrainingRuntime("kept-"+ns), &mlv1alpha1.ClusterTrainingRuntime{}),
		toV1alpha1(t, mltesting.MakeTrainingRuntime("kept", ns), &mlv1alpha1.TrainingRuntime{}),
	}
	for _, k := range mltesting.Kinds() {
		typed = append(typed, k.New("kept", ns))
	}
	var objs []*unstructured.Unstructured
	for _, o := range typed {
		objs = append(objs, toUnstructured(t, o))
	}
	rr := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(recurringRun), &rr.Object); err != nil {
		t.Fatal(err)
	}
	rr.SetNamespace(ns)
	objs = append(objs, rr)

	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resources, err := dc.ServerResourcesForGroupVersion(mlv1alpha1.SchemeGroupVersion.String())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var out []storedObject
	covered := map[string]bool{}
	for _, o := range objs {
		for _, r := range resources.APIResources {
			if r.Kind == o.GetKind() && !strings.Contains(r.Name, "/") {
				out = append(out, storedObject{gvr: mlv1alpha1.SchemeGroupVersion.WithResource(r.Name), namespaced: r.Namespaced, obj: o})
				covered[r.Name] = true
			}
		}
	}
	for _, r := range resources.APIResources {
		if !strings.Contains(r.Name, "/") && slices.Contains(r.Verbs, "create") && !covered[r.Name] {
			t.Errorf("the server serves %s, and the test has no object of kind %s", r.Name, r.Kind)
		}
	}
	return out
}

func toV1alpha1(t *testing.T, in runtime.Object, out runtime.Object) runtime.Object {
	t.Helper()
	if err := scheme.Scheme.Convert(in, out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

func toUnstructured(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvks[0])
	return u
}

// encoding names the encoding of stored bytes for messages.
func encoding(b []byte) string {
	switch {
	case bytes.HasPrefix(b, protobufPrefix):
		return "protobuf"
	case bytes.HasPrefix(b, []byte("{")):
		return "JSON"
	default:
		return fmt.Sprintf("unknown (%q...)", b[:min(len(b), 8)])
	}
}
