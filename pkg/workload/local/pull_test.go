package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/storage/artifactfetch"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// dirFetcher pulls URIs file:///<name> from files of its directory.
type dirFetcher struct{ dir string }

func (f dirFetcher) Check(context.Context, string, string) error { return nil }

func (f dirFetcher) Pull(_ context.Context, _, uri, dest string) error {
	data, err := os.ReadFile(filepath.Join(f.dir, strings.TrimPrefix(uri, "file:///")))
	if err != nil {
		return errors.New("artifact not found")
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dest, "model.json"), data, 0o600)
}

// withPull adds a pull of uri to /ml/model, and ML_MODEL_PATH naming it.
func withPull(spec workload.ReplicaSpec, uri string) workload.ReplicaSpec {
	t := &spec.Template.Spec
	t.InitContainers = append(t.InitContainers, workload.PullContainer("model-pull", "helper", "ml-model", workload.Pull{URI: uri, Path: "/ml/model"}, nil))
	t.Containers[0].Env = append(t.Containers[0].Env, corev1.EnvVar{Name: "ML_MODEL_PATH", Value: "/ml/model"})
	return spec
}

// The runtime does a template's pull before the process starts: the files
// are at ML_MODEL_PATH, readable and not writable by the (confined)
// process; a pull that fails fails the replica with the URI and why.
func TestPullBeforeStart(t *testing.T) {
	src := t.TempDir()
	model := []byte(`{"w0": 4.1, "w1": 3.9, "b": -4}`)
	if err := os.WriteFile(filepath.Join(src, "m1"), model, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Dir: t.TempDir(), Confinement: testConfinement(t), Fetcher: dirFetcher{src}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	out := filepath.Join(sharedDir(t), "read")
	o := owner("model", "1")
	spec := withPull(shReplica("reader", `cat "$ML_MODEL_PATH/model.json" > "$OUT"; if echo x > "$ML_MODEL_PATH/model.json"; then exit 3; fi`,
		corev1.EnvVar{Name: "OUT", Value: out}), "file:///m1")
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, o, "reader", finished)
	if s.Phase != workload.PhaseSucceeded {
		t.Errorf("status %+v: want Succeeded (exit code 3: the process could write its model files)", s)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != string(model) {
		t.Errorf("the process read %q (%v), want the pulled %q", got, err, model)
	}

	missing := withPull(shReplica("missing", "exit 0"), "file:///nothing")
	if _, err := r.EnsureReplica(context.Background(), o, missing); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, r, o, "missing", finished)
	if s.Phase != workload.PhaseFailed || s.Reason != workload.ReasonPullError || !strings.Contains(s.Message, "file:///nothing") || !strings.Contains(s.Message, "artifact not found") {
		t.Errorf("status %+v: want Failed with %s naming the URI and why", s, workload.ReasonPullError)
	}
}

// With processes run as another user, a model of the filesystem store is
// pulled as the store's own files (hard links), read-only: the process
// reads them and can neither write them nor change their mode.
func TestPullLinksTheStoresFiles(t *testing.T) {
	c := testConfinement(t)
	if os.Geteuid() != 0 {
		t.Skip("processes run as another user only under a root server")
	}
	ctx := context.Background()
	store, err := artifactstore.NewFilesystem(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	model := []byte(`{"w0": 4.1}`)
	key := artifactstore.Key("ns", "trainingjobs", "train", "uid", "trainer", "model.json")
	if _, err := store.Put(ctx, key, bytes.NewReader(model), 0); err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Dir: t.TempDir(), Confinement: c, Fetcher: &artifactfetch.Fetcher{Stores: oneStore{store}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	out := filepath.Join(sharedDir(t), "read")
	o := owner("model", "1")
	spec := withPull(shReplica("reader", `f="$ML_MODEL_PATH/model.json"; cat "$f" > "$OUT"
if echo x > "$f"; then exit 3; fi
if chmod 666 "$f"; then exit 4; fi
echo >> "$OUT"; stat -c %h "$f" >> "$OUT"`,
		corev1.EnvVar{Name: "OUT", Value: out}), store.URI(key))
	if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, o, "reader", finished)
	if s.Phase != workload.PhaseSucceeded {
		t.Errorf("status %+v: want Succeeded (exit code 3: the process wrote its model file; 4: it changed its mode)", s)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	read, links, _ := strings.Cut(string(got), "\n")
	if read != string(model) {
		t.Errorf("the process read %q, want %q", read, model)
	}
	if strings.TrimSpace(links) != "2" {
		t.Errorf("the model file has %q links, want 2: the store's file and the replica's", strings.TrimSpace(links))
	}
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if stored, _ := io.ReadAll(rc); !bytes.Equal(stored, model) {
		t.Errorf("the store holds %q, want %q unchanged", stored, model)
	}
}
