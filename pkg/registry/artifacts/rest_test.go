package artifacts

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// objects is a rest.Getter of fixed objects.
type objects map[string]runtime.Object

func (o objects) Get(_ context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	if obj, ok := o[name]; ok {
		return obj, nil
	}
	return nil, apierrors.NewNotFound(ml.Resource("pipelineruns"), name)
}

// oneStore is the same store for every namespace.
type oneStore struct{ s artifactstore.Store }

func (o oneStore) For(context.Context, string) (artifactstore.Store, error) { return o.s, nil }

// responder records what Connect answered with an object.
type responder struct {
	code int
	obj  runtime.Object
	err  error
}

func (r *responder) Object(code int, obj runtime.Object) { r.code, r.obj = code, obj }
func (r *responder) Error(err error)                     { r.err = err }

// fixture is a run whose tasks produced a report, metrics, a big file and
// a directory, in a filesystem store.
type fixture struct {
	rest                 *REST
	report, metrics, big []byte
	store                artifactstore.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := artifactstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f := &fixture{store: store, report: []byte("# Report\n\naccuracy **0.93**\n"), metrics: []byte(`{"accuracy": 0.93}`), big: make([]byte, 2048)}
	_, _ = rand.Read(f.big)
	key := func(task, name string) string {
		return artifactstore.Key("ns", "PipelineRun", "run", "uid-1", task, name)
	}
	rec := func(task, name string, typ ml.ArtifactType, data []byte) ml.ArtifactRecord {
		info, err := store.Put(ctx, key(task, name), bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		return ml.ArtifactRecord{Name: name, Type: typ, URI: store.URI(info.Key), Size: info.Size, Digest: info.Digest,
			Producer: &ml.ArtifactProducer{Kind: "PipelineRun", Name: "run", UID: "uid-1", Task: task}}
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/weights.bin", []byte("w"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir+"/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/sub/run.sh", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dirInfo, err := artifactstore.PushPath(ctx, store, key("train", "model"), dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	model := ml.ArtifactRecord{Name: "model", Type: ml.ArtifactTypeModel, URI: store.URI(dirInfo.Key), Size: dirInfo.Size, Digest: dirInfo.Digest,
		Producer: &ml.ArtifactProducer{Kind: "PipelineRun", Name: "run", UID: "uid-1", Task: "train"}}
	run := &ml.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "run", Namespace: "ns"}}
	run.Status.Tasks = []ml.PipelineTaskStatus{
		{Name: "train", Artifacts: &ml.ArtifactsStatus{Outputs: []ml.ArtifactRecord{model, rec("train", "big", ml.ArtifactTypeGeneric, f.big)}}},
		{Name: "evaluate", Artifacts: &ml.ArtifactsStatus{
			Inputs:  []ml.ArtifactRecord{{Name: "model", Type: ml.ArtifactTypeModel, URI: model.URI, Size: model.Size, Digest: model.Digest, Producer: model.Producer}},
			Outputs: []ml.ArtifactRecord{rec("evaluate", "report", ml.ArtifactTypeMarkdown, f.report), rec("evaluate", "metrics", ml.ArtifactTypeMetrics, f.metrics)},
		}},
	}
	f.rest = NewREST(Config{Resource: ml.Resource("pipelineruns"), Objects: objects{"run": run}, Stores: oneStore{store}, MaxServeBytes: 1024})
	return f
}

// get does GET .../pipelineruns/<name>/artifacts/<path>.
func (f *fixture) get(t *testing.T, name, path string) (*httptest.ResponseRecorder, *responder, error) {
	t.Helper()
	ctx := genericapirequest.WithNamespace(context.Background(), "ns")
	r := &responder{}
	h, err := f.rest.Connect(ctx, name, &ml.ArtifactOptions{Path: path}, r)
	if err != nil {
		return nil, r, err
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
	return w, r, nil
}

func TestList(t *testing.T) {
	f := newFixture(t)
	_, r, err := f.get(t, "run", "")
	if err != nil {
		t.Fatal(err)
	}
	list, ok := r.obj.(*ml.ArtifactList)
	if !ok || r.code != http.StatusOK {
		t.Fatalf("responded %d %T", r.code, r.obj)
	}
	var got []string
	for _, it := range list.Items {
		got = append(got, string(it.Direction)+" "+it.Path+" "+string(it.Type)+" "+it.Producer.Task)
	}
	want := []string{"Output train/model Model train", "Output train/big Generic train", "Output evaluate/report Markdown evaluate",
		"Output evaluate/metrics Metrics evaluate", "Input evaluate/model Model train"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestContent(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		path, contentType string
		want              []byte
	}{
		{"evaluate/report", "text/markdown; charset=utf-8", f.report},
		{"evaluate/metrics", "application/json", f.metrics},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			w, _, err := f.get(t, "run", tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), tc.want) {
				t.Errorf("GET %s: %d %q, want the %d bytes stored", tc.path, w.Code, w.Body.String(), len(tc.want))
			}
			if got := w.Header().Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != "sandbox" {
				t.Errorf("Content-Security-Policy %q, want sandbox", got)
			}
		})
	}
}

func TestContentRefusals(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, obj, path string
		code            int32
		says            []string
	}{
		{"over the cap", "run", "train/big", http.StatusRequestEntityTooLarge, []string{"2048 bytes", "1024", "--max-artifact-serve-bytes"}},
		{"unknown artifact", "run", "train/nothing", http.StatusNotFound, []string{"train/nothing", "train/model, train/big, evaluate/report"}},
		{"unknown run", "other", "train/model", http.StatusNotFound, []string{"other"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.get(t, tc.obj, tc.path)
			status, ok := err.(apierrors.APIStatus)
			if !ok || status.Status().Code != tc.code {
				t.Fatalf("GET %s: %v, want a %d", tc.path, err, tc.code)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

// A directory artifact within the cap is served as a tar archive of its
// files, byte-identical, with the directory's digest; one over it is a
// 413 naming the cap.
func TestContentDirectory(t *testing.T) {
	f := newFixture(t)
	w, _, err := f.get(t, "run", "train/model")
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != TarContentType {
		t.Fatalf("GET train/model: %d %s, want 200 %s", w.Code, w.Header().Get("Content-Type"), TarContentType)
	}
	_, mi, err := artifactstore.ReadManifest(context.Background(), f.store, artifactstore.Key("ns", "PipelineRun", "run", "uid-1", "train", "model"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Header().Get("X-Artifact-Digest"); got != mi.Digest {
		t.Errorf("X-Artifact-Digest %q, want the directory's %s", got, mi.Digest)
	}
	got := map[string]string{}
	tr := tar.NewReader(w.Body)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read the archive: %v", err)
		}
		b, _ := io.ReadAll(tr)
		got[hdr.Name] = fmt.Sprintf("%o %s", hdr.Mode, b)
	}
	want := map[string]string{"sub/": "755 ", "sub/run.sh": "755 #!/bin/sh\n", "weights.bin": "644 w"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}

	f.rest.c.MaxServeBytes = 5
	_, _, err = f.get(t, "run", "train/model")
	if status, ok := err.(apierrors.APIStatus); !ok || status.Status().Code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(err.Error(), "--max-artifact-serve-bytes") || !strings.Contains(err.Error(), "11 bytes") {
		t.Errorf("GET of a directory over the cap: %v, want a 413 naming its 11 bytes and the flag", err)
	}
}
