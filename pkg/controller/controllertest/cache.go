package controllertest

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

// Items returns pointers to the elements of list, the items of a typed
// list, as an informer's cache holds them.
func Items[T any](list []T) []any {
	out := make([]any, 0, len(list))
	for i := range list {
		out = append(out, &list[i])
	}
	return out
}

// Replace makes indexer hold exactly objs, as an informer's relist does.
func Replace(t testing.TB, indexer cache.Indexer, objs []any) {
	t.Helper()
	if err := indexer.Replace(objs, ""); err != nil {
		t.Fatal(err)
	}
}

// Observe makes the cache of informer, which is never started, hold
// exactly what list returns: pass the List method of a typed client, such
// as kube.CoreV1().Pods("").List.
func Observe[L runtime.Object](t testing.TB, informer cache.SharedIndexInformer, list func(context.Context, metav1.ListOptions) (L, error)) {
	t.Helper()
	l, err := list(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := meta.ExtractList(l)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		items = append(items, o)
	}
	Replace(t, informer.GetIndexer(), items)
}
