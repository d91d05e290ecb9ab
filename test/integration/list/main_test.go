// Package list tests reading collections of ml.example.io objects: paging
// with limit and continue, label and field selectors, table output for
// kubectl, and informers.
package list

import (
	"context"
	"testing"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is shared by every test of the package; each test works in a
// namespace of its own.
var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}

// setup returns the context, an admin clientset and a fresh namespace for
// a test.
func setup(t *testing.T) (context.Context, versioned.Interface, string) {
	t.Helper()
	return t.Context(), server.Clientset(), framework.NewNamespace(t)
}

// forEachKind runs f as a subtest for every kind, each in a namespace of
// its own.
func forEachKind(t *testing.T, f func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client)) {
	t.Helper()
	for _, k := range mltesting.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			f(t, ctx, k, k.Client(cs, ns))
		})
	}
}
