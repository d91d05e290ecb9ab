package artifactgc

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/sets"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

func TestOwnerOf(t *testing.T) {
	for key, want := range map[string][2]string{
		"ns/pipelineruns/run/uid-1/train/model":      {"ns/pipelineruns/run/uid-1", "uid-1"},
		"ns/pipelineruns/run/uid-1/train/model/file": {"ns/pipelineruns/run/uid-1", "uid-1"},
		"ns/trainingjobs/job/uid-2/trainer/model":    {"", ""},
		"ns/pipelineruns/run/uid-1":                  {"", ""},
		"":                                           {"", ""},
	} {
		if p, uid := ownerOf(key); p != want[0] || uid != want[1] {
			t.Errorf("ownerOf(%q) = %q, %q; want %q, %q", key, p, uid, want[0], want[1])
		}
	}
}

// deleteUnused keeps the artifacts still recorded, files of a directory
// artifact included, and deletes the rest of the subtree.
func TestDeleteUnused(t *testing.T) {
	ctx := context.Background()
	s, err := artifactstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	prefix := "ns/pipelineruns/run/uid"
	for _, k := range []string{"a/data", "a/data-2", "b/model/weights", "b/model/config", "c/report", "other"} {
		if _, err := s.Put(ctx, prefix+"/"+k, bytes.NewReader([]byte(k)), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put(ctx, "ns/pipelineruns/run2/uid2/a/data", bytes.NewReader(nil), 0); err != nil {
		t.Fatal(err)
	}
	if err := deleteUnused(ctx, s, prefix, sets.New(prefix+"/a/data", prefix+"/b/model")); err != nil {
		t.Fatal(err)
	}
	left := func(p string) []string {
		infos, err := s.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, in := range infos {
			keys = append(keys, in.Key)
		}
		return keys
	}
	want := []string{prefix + "/a/data", prefix + "/b/model/config", prefix + "/b/model/weights"}
	if diff := cmp.Diff(want, left(prefix)); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	// Nothing kept: the whole subtree goes, and only it.
	if err := deleteUnused(ctx, s, prefix, nil); err != nil {
		t.Fatal(err)
	}
	if got := left(prefix); len(got) != 0 {
		t.Errorf("left %v, want nothing", got)
	}
	if got := left("ns/pipelineruns/run2"); len(got) != 1 {
		t.Errorf("another run's subtree: %v, want its one object", got)
	}
}
