package taskstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
)

func newStore(t *testing.T) *Etcd {
	t.Helper()
	client, _ := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	return NewEtcd(client.V3Client.Client, "")
}

// instances are n instances of task, every third Failed.
func instances(task string, n int) []Instance {
	out := make([]Instance, n)
	for i := range out {
		phase := "Succeeded"
		if i%3 == 0 {
			phase = "Failed"
		}
		out[i] = Instance{Task: task, Index: int32(i), Phase: phase, Data: []byte(fmt.Sprintf(`{"index":%d}`, i))}
	}
	return out
}

// listAll pages through owner's instances with opts, limit at a time.
func listAll(t *testing.T, s Store, owner Owner, opts ListOptions) ([]Instance, int) {
	t.Helper()
	var all []Instance
	pages := 0
	for {
		page, next, err := s.List(context.Background(), owner, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if opts.Limit > 0 && int64(len(page)) > opts.Limit {
			t.Fatalf("page of %d instances, limit %d", len(page), opts.Limit)
		}
		all = append(all, page...)
		if next == "" {
			return all, pages
		}
		opts.Continue = next
	}
}

func TestEtcdPutListDelete(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run, other := Owner{Namespace: "ns", UID: "uid-1"}, Owner{Namespace: "ns", UID: "uid-10"}
	// More than one transaction, and a second task.
	if err := s.Put(ctx, run, append(instances("work", 250), instances("eval", 4)...)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, other, instances("work", 3)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, run); err != nil || n != 254 {
		t.Fatalf("count %d, %v; want 254", n, err)
	}

	all, pages := listAll(t, s, run, ListOptions{Task: "work", Limit: 100})
	if diff := cmp.Diff(instances("work", 250), all); diff != "" {
		t.Errorf("paged list of work (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	failed, _ := listAll(t, s, run, ListOptions{Task: "work", Phase: "Failed", Limit: 7})
	if len(failed) != 84 || failed[1].Index != 3 {
		t.Errorf("%d failed instances (second %d), want 84 (second 3)", len(failed), failed[1].Index)
	}
	everything, _ := listAll(t, s, run, ListOptions{})
	if len(everything) != 254 || everything[0].Task != "eval" {
		t.Errorf("%d instances, first of %s; want 254, eval first", len(everything), everything[0].Task)
	}

	// An update replaces.
	if err := s.Put(ctx, run, []Instance{{Task: "work", Index: 1, Phase: "Failed", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	page, _, err := s.List(ctx, run, ListOptions{Task: "work", Limit: 2})
	if err != nil || page[1].Phase != "Failed" || string(page[1].Data) != `{}` {
		t.Errorf("after the update: %+v, %v", page, err)
	}
	if _, _, err := s.List(ctx, run, ListOptions{Continue: "bm90IGEga2V5"}); err != ErrBadContinue {
		t.Errorf("foreign continue token: %v, want ErrBadContinue", err)
	}

	if err := s.DeleteOwner(ctx, run.Namespace, run.UID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, run); n != 0 {
		t.Errorf("%d instances left after DeleteOwner", n)
	}
	if n, _ := s.Count(ctx, other); n != 3 {
		t.Errorf("the other run has %d instances, want 3", n)
	}
}
