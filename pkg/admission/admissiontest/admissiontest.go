// Package admissiontest builds admission requests for the unit tests of
// the admission plugins of ml.example.io.
package admissiontest

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/warning"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// Namespace is the namespace of test requests.
const Namespace = "team-a"

// Request describes one admission request.
type Request struct {
	Operation   admission.Operation
	Resource    string
	Subresource string
	Kind        string
	Name        string
	Object, Old runtime.Object
}

// Attributes returns the admission attributes of r in Namespace.
func (r Request) Attributes() admission.Attributes {
	op := r.Operation
	if op == "" {
		op = admission.Create
	}
	var opts runtime.Object
	return admission.NewAttributesRecord(r.Object, r.Old,
		ml.Kind(r.Kind).WithVersion(runtime.APIVersionInternal), Namespace, r.Name,
		schema.GroupVersionResource{Group: ml.GroupName, Version: "v1alpha1", Resource: r.Resource},
		r.Subresource, op, opts, false, &user.DefaultInfo{Name: "alice"})
}

// Warnings records the warnings a plugin adds.
type Warnings []string

// AddWarning records a warning.
func (w *Warnings) AddWarning(agent, text string) { *w = append(*w, text) }

// Context returns a context recording warnings into w.
func (w *Warnings) Context(t *testing.T) context.Context {
	return warning.WithWarningRecorder(t.Context(), w)
}

// Versioned converts an internal object to its v1alpha1 version, as
// informers and clients hold it.
func Versioned[T runtime.Object](t *testing.T, in runtime.Object, out T) T {
	t.Helper()
	if err := scheme.Scheme.Convert(in, out, nil); err != nil {
		t.Fatalf("convert %T to %T: %v", in, out, err)
	}
	return out
}
