package registrytest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// The read side of StorageContract: list, watch and table output.

func (c StorageContract[T]) testListByPhase(t *testing.T) {
	ctx := NewContext("list")
	running := c.create(t, ctx, "running")
	c.create(t, ctx, "idle")
	c.create(t, NewContext("elsewhere"), "running")
	withStatus := running.DeepCopyObject().(T)
	c.SetStatus(withStatus)
	c.update(t, ctx, c.StatusStore, withStatus)

	tests := map[string]struct {
		selector fields.Selector
		want     []string
	}{
		"everything":  {selector: fields.Everything(), want: []string{"idle", "running"}},
		"phase":       {selector: fields.OneTermEqualSelector(registryutil.PhaseField, c.Phase), want: []string{"running"}},
		"not phase":   {selector: fields.OneTermNotEqualSelector(registryutil.PhaseField, c.Phase), want: []string{"idle"}},
		"empty phase": {selector: fields.OneTermEqualSelector(registryutil.PhaseField, ""), want: []string{"idle"}},
		"name":        {selector: fields.OneTermEqualSelector("metadata.name", "idle"), want: []string{"idle"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			list, err := c.list(ctx, &metainternalversion.ListOptions{FieldSelector: tc.selector})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if diff := cmp.Diff(tc.want, names(t, list)); diff != "" {
				t.Errorf("listed names (-want +got):\n%s", diff)
			}
		})
	}
}

func (c StorageContract[T]) testWatchByPhase(t *testing.T) {
	ctx := NewContext("watch")
	created := c.create(t, ctx, "a")
	w, err := c.Store.Watch(ctx, &metainternalversion.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector(registryutil.PhaseField, c.Phase),
		ResourceVersion: created.GetResourceVersion(),
	})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()

	withStatus := created.DeepCopyObject().(T)
	c.SetStatus(withStatus)
	updated := c.update(t, ctx, c.StatusStore, withStatus)

	select {
	case event := <-w.ResultChan():
		// The object starts to match the selector, so it is added to the
		// watcher's view.
		if event.Type != watch.Added {
			t.Errorf("event type %s, want %s", event.Type, watch.Added)
		}
		got := event.Object
		if cached, ok := got.(runtime.CacheableObject); ok {
			got = cached.GetObject() // the watch cache wraps its events' objects
		}
		if diff := cmp.Diff(runtime.Object(updated), got); diff != "" {
			t.Errorf("event object (-want +got):\n%s", diff)
		}
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("no watch event for the object that entered the phase")
	}
}

func (c StorageContract[T]) testTable(t *testing.T) {
	ctx := NewContext("table")
	c.create(t, ctx, "a")
	c.create(t, ctx, "b")
	list, err := c.list(ctx, &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	table, err := c.Store.ConvertToTable(ctx, list, nil)
	if err != nil {
		t.Fatalf("ConvertToTable: %v", err)
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		t.Fatal(err)
	}
	if table.ResourceVersion == "" || table.ResourceVersion != listMeta.GetResourceVersion() {
		t.Errorf("table resourceVersion %q, want the list's %q", table.ResourceVersion, listMeta.GetResourceVersion())
	}
	var rowNames []string
	for _, row := range table.Rows {
		if len(row.Cells) != len(table.ColumnDefinitions) {
			t.Errorf("row has %d cells for %d columns", len(row.Cells), len(table.ColumnDefinitions))
		}
		obj, ok := row.Object.Object.(T)
		if !ok {
			t.Fatalf("row object is a %T", row.Object.Object)
		}
		if row.Cells[0] != obj.GetName() {
			t.Errorf("first cell %v, want the name %q", row.Cells[0], obj.GetName())
		}
		rowNames = append(rowNames, obj.GetName())
	}
	if diff := cmp.Diff([]string{"a", "b"}, rowNames); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	noHeaders, err := c.StatusStore.ConvertToTable(ctx, c.get(t, ctx, "a"), &metav1.TableOptions{NoHeaders: true})
	if err != nil {
		t.Fatalf("ConvertToTable of one object: %v", err)
	}
	if len(noHeaders.ColumnDefinitions) != 0 || len(noHeaders.Rows) != 1 {
		t.Errorf("noHeaders table has %d columns and %d rows, want 0 and 1", len(noHeaders.ColumnDefinitions), len(noHeaders.Rows))
	}
}

// list lists like a client does: the watch cache answers 429 Too Many
// Requests until it has loaded the resource from etcd, and clients retry.
func (c StorageContract[T]) list(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	var list runtime.Object
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		list, err = c.Store.List(ctx, options)
		if apierrors.IsTooManyRequests(err) {
			return false, nil
		}
		return true, err
	})
	return list, err
}

// names returns the sorted names of the items of list.
func names(t *testing.T, list runtime.Object) []string {
	t.Helper()
	items, err := meta.ExtractList(list)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, item := range items {
		m, err := meta.Accessor(item)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.GetName())
	}
	sort.Strings(out)
	return out
}

// ColumnNames returns the names of a table's columns.
func ColumnNames(table *metav1.Table) []string {
	var out []string
	for _, c := range table.ColumnDefinitions {
		out = append(out, c.Name)
	}
	return out
}

// WideColumnNames returns the names of the columns shown only with -o wide.
func WideColumnNames(table *metav1.Table) []string {
	var out []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority > 0 {
			out = append(out, c.Name)
		}
	}
	return out
}
