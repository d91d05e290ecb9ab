package artifactfetch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// oneStore is the same store for every namespace.
type oneStore struct{ s artifactstore.Store }

func (o oneStore) For(context.Context, string) (artifactstore.Store, error) { return o.s, nil }

func TestStoreArtifacts(t *testing.T) {
	ctx := context.Background()
	store, err := artifactstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{Stores: oneStore{store}}
	model := []byte(`{"w0": 1}`)
	fileKey := artifactstore.Key("ns", "trainingjobs", "train", "uid", "trainer", "model")
	if _, err := store.Put(ctx, fileKey, bytes.NewReader(model), 0); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"weights.bin": "w", "sub/config.json": "{}"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dirKey := artifactstore.Key("ns", "pipelineruns", "run", "uid", "train", "model")
	if _, err := artifactstore.PushPath(ctx, store, dirKey, src, 0); err != nil {
		t.Fatal(err)
	}

	// A file artifact lands as <dest>/<its name>.
	if err := f.Check(ctx, "ns", store.URI(fileKey)); err != nil {
		t.Errorf("Check of a stored file: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "m")
	if err := f.Pull(ctx, "ns", store.URI(fileKey), dest); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "model")); err != nil || !bytes.Equal(got, model) {
		t.Errorf("pulled file %q (%v), want %q", got, err, model)
	}
	// A directory artifact lands as <dest>.
	if err := f.Check(ctx, "ns", store.URI(dirKey)); err != nil {
		t.Errorf("Check of a stored directory: %v", err)
	}
	dest = filepath.Join(t.TempDir(), "d")
	if err := f.Pull(ctx, "ns", store.URI(dirKey), dest); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"weights.bin": "w", "sub/config.json": "{}"} {
		if got, err := os.ReadFile(filepath.Join(dest, name)); err != nil || string(got) != want {
			t.Errorf("pulled %s = %q (%v), want %q", name, got, err, want)
		}
	}
	// Missing: the check says so.
	missing := store.URI(artifactstore.Key("ns", "trainingjobs", "train", "uid", "trainer", "nothing"))
	if err := f.Check(ctx, "ns", missing); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("Check of a missing artifact: %v, want not found", err)
	}
	// An s3:// URI outside the namespace's store is left to the pods'
	// pull step, which has the namespace's credentials; the local runtime
	// refuses to pull it.
	if err := f.Check(ctx, "ns", "s3://elsewhere/model"); err != nil {
		t.Errorf("Check of another bucket: %v, want it left to the pull step", err)
	}
	if err := f.Pull(ctx, "ns", "s3://elsewhere/model", t.TempDir()+"/x"); err == nil || !strings.Contains(err.Error(), "artifact store") {
		t.Errorf("Pull of another bucket: %v, want a refusal", err)
	}
}

func TestLocalFiles(t *testing.T) {
	ctx := context.Background()
	root, other := t.TempDir(), t.TempDir()
	for _, d := range []string{root, other} {
		if err := os.WriteFile(filepath.Join(d, "model.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(other, "model.json"), filepath.Join(root, "escape.json")); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{LocalRoots: []string{root}}
	if err := f.Check(ctx, "ns", "file://"+filepath.Join(root, "model.json")); err != nil {
		t.Errorf("a file under the local roots: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "m")
	if err := f.Pull(ctx, "ns", "file://"+filepath.Join(root, "model.json"), dest); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "model.json")); err != nil || string(got) != "{}" {
		t.Errorf("pulled %q (%v)", got, err)
	}
	for _, uri := range []string{"file://" + filepath.Join(other, "model.json"), "file://" + filepath.Join(root, "escape.json"), "/etc/shadow"} {
		if err := f.Check(ctx, "ns", uri); err == nil || !strings.Contains(err.Error(), "--local-read-only-paths") {
			t.Errorf("Check(%s) = %v, want refused: outside what local processes may read", uri, err)
		}
	}
	if err := f.Check(ctx, "ns", "file://"+filepath.Join(root, "nothing")); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a missing file: %v, want not found", err)
	}
}

func TestHTTPS(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/models/resnet.onnx" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("onnx bytes"))
	}))
	defer srv.Close()
	f := &Fetcher{HTTPClient: srv.Client(), MaxBytes: 5}
	if err := f.Check(ctx, "ns", srv.URL+"/models/missing.onnx"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("Check of a missing URL: %v", err)
	}
	if err := f.Pull(ctx, "ns", srv.URL+"/models/resnet.onnx", t.TempDir()+"/over"); err == nil || !strings.Contains(err.Error(), "cap of 5 bytes") {
		t.Errorf("a download over the cap: %v, want refused naming the cap", err)
	}
	f.MaxBytes = 0
	dest := filepath.Join(t.TempDir(), "m")
	if err := f.Pull(ctx, "ns", srv.URL+"/models/resnet.onnx", dest); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "resnet.onnx")); err != nil || string(got) != "onnx bytes" {
		t.Errorf("downloaded %q (%v)", got, err)
	}
}

// PullURI is the pull init container's step: a store object through the
// store of the environment, an https:// file without opening any store.
func TestPullURI(t *testing.T) {
	ctx := context.Background()
	store, err := artifactstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := artifactstore.Key("ns", "pipelineruns", "run", "uid", "train", "model")
	if _, err := store.Put(ctx, key, strings.NewReader("weights"), 0); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := PullURI(ctx, store.URI(key), dest, func() (artifactstore.Store, error) { return store, nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "model")); err != nil || string(got) != "weights" {
		t.Errorf("pulled %q (%v)", got, err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("x")) }))
	defer srv.Close()
	noStore := func() (artifactstore.Store, error) { t.Error("an https:// pull opened the store"); return nil, nil }
	// The test server's certificate is not trusted by the default client.
	if err := PullURI(ctx, srv.URL+"/m.bin", t.TempDir(), noStore); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("PullURI of an untrusted https server: %v, want a certificate error", err)
	}
}

// TestStoreArtifactsReadOnly: PullReadOnly gives the filesystem store's
// own files, read-only, instead of copies.
func TestStoreArtifactsReadOnly(t *testing.T) {
	ctx := context.Background()
	store, err := artifactstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{Stores: oneStore{store}}
	src := t.TempDir()
	for name, data := range map[string]string{"weights.bin": "w", "config.json": "{}"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := artifactstore.Key("ns", "pipelineruns", "run", "uid", "train", "model")
	if _, err := artifactstore.PushPath(ctx, store, key, src, 0); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")} {
		if err := f.PullReadOnly(ctx, "ns", store.URI(key), dest); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"weights.bin": "w", "config.json": "{}"} {
			p := filepath.Join(dest, name)
			got, err := os.ReadFile(p)
			if err != nil || string(got) != want {
				t.Errorf("pulled %s = %q (%v), want %q", name, got, err, want)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o444 {
				t.Errorf("%s has mode %v, want 0444", p, fi.Mode().Perm())
			}
			// The store's file, the first pull's link and maybe this one.
			if n := fi.Sys().(*syscall.Stat_t).Nlink; n < 2 {
				t.Errorf("%s has %d links: a copy, not the store's file", p, n)
			}
		}
	}
}
