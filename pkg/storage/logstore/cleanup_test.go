package logstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
)

// archive puts one log of each owner (resource/name/uid) into s.
func archive(t *testing.T, s LogStore, owners ...Owner) {
	t.Helper()
	for _, o := range owners {
		_, err := s.Put(context.Background(), Meta{
			Stream:        Stream{Namespace: o.Namespace, OwnerUID: o.UID, Pod: o.Name + "-0", Container: "main"},
			OwnerResource: o.Resource, OwnerName: o.Name,
		}, strings.NewReader("x\n"))
		if err != nil {
			t.Fatal(err)
		}
	}
}

func ownerUIDs(t *testing.T, s LogStore) []types.UID {
	t.Helper()
	owners, err := s.Owners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var uids []types.UID
	for _, o := range owners {
		uids = append(uids, o.UID)
	}
	return uids
}

func TestDeleteOrphans(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, 1<<20)
	alive := Owner{Namespace: "ns", UID: "uid-alive", Resource: "trainingjobs", Name: "alive"}
	gone := Owner{Namespace: "ns", UID: "uid-gone", Resource: "trainingjobs", Name: "gone"}
	archive(t, s, alive, gone)

	var asked []types.UID
	n, err := DeleteOrphans(ctx, s, func(_ context.Context, o Owner) (bool, error) {
		asked = append(asked, o.UID)
		return o.UID == alive.UID, nil
	})
	if err != nil || n != 1 {
		t.Fatalf("DeleteOrphans deleted %d owners (%v), want 1", n, err)
	}
	if diff := cmp.Diff([]types.UID{"uid-alive", "uid-gone"}, asked); diff != "" {
		t.Errorf("owners looked up (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]types.UID{"uid-alive"}, ownerUIDs(t, s)); diff != "" {
		t.Errorf("owners left (-want +got):\n%s", diff)
	}

	// A failed lookup stops the pass and deletes nothing it is unsure of.
	boom := errors.New("etcd unavailable")
	n, err = DeleteOrphans(ctx, s, func(context.Context, Owner) (bool, error) { return false, boom })
	if !errors.Is(err, boom) || n != 0 {
		t.Errorf("DeleteOrphans with a failing lookup: %d, %v; want 0, %v", n, err, boom)
	}
	if diff := cmp.Diff([]types.UID{"uid-alive"}, ownerUIDs(t, s)); diff != "" {
		t.Errorf("owners left after a failed lookup (-want +got):\n%s", diff)
	}
}

func TestDeleteWithOwner(t *testing.T) {
	s := newStore(t, 1<<20)
	first := Owner{Namespace: "ns", UID: "uid-1", Resource: "models", Name: "first"}
	second := Owner{Namespace: "ns", UID: "uid-2", Resource: "models", Name: "second"}
	archive(t, s, first, second)

	chained := 0
	store := &genericregistry.Store{AfterDelete: func(runtime.Object, *metav1.DeleteOptions) { chained++ }}
	DeleteWithOwner(store, s)
	obj := func(o Owner) runtime.Object {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name, UID: o.UID}}
	}

	store.AfterDelete(obj(first), &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
	if diff := cmp.Diff([]types.UID{"uid-1", "uid-2"}, ownerUIDs(t, s)); diff != "" {
		t.Errorf("owners left after a dry-run delete (-want +got):\n%s", diff)
	}
	store.AfterDelete(obj(first), &metav1.DeleteOptions{})
	if diff := cmp.Diff([]types.UID{"uid-2"}, ownerUIDs(t, s)); diff != "" {
		t.Errorf("owners left after deleting first (-want +got):\n%s", diff)
	}
	if chained != 2 {
		t.Errorf("the store's own AfterDelete ran %d times, want 2", chained)
	}

	// Without an archive the store is left alone.
	plain := &genericregistry.Store{}
	DeleteWithOwner(plain, nil)
	if plain.AfterDelete != nil {
		t.Error("DeleteWithOwner without an archive set an AfterDelete")
	}
}
