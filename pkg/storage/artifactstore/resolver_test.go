package artifactstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestResolver(t *testing.T) {
	ctx := context.Background()
	def, err := NewFilesystem(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = def.Close() })
	kube := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: DefaultSecretName, ResourceVersion: "1"},
			Data: map[string][]byte{"endpoint": []byte("s3.example.com"), "bucket": []byte("team-a-ml"), "prefix": []byte("runs")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: DefaultSecretName, ResourceVersion: "1"},
			Data: map[string][]byte{"endpoint": []byte("s3.example.com")}},
	)
	kube.PrependReactor("get", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "locked" {
			return true, nil, apierrors.NewForbidden(corev1.Resource("secrets"), DefaultSecretName, errors.New("no"))
		}
		return false, nil, nil
	})
	r := &Resolver{Default: def, Secrets: SecretsFromClient(kube)}

	s, err := r.For(ctx, "plain")
	if err != nil || s != Store(def) {
		t.Errorf("a namespace without the Secret: got %v, %v; want the server's store", s, err)
	}
	s, err = r.For(ctx, "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.URI("k"), "s3://team-a-ml/runs/k"; got != want {
		t.Errorf("team-a's store URI = %s, want %s", got, want)
	}
	if again, _ := r.For(ctx, "team-a"); again != s {
		t.Error("the store of an unchanged Secret was built again")
	}
	for ns, want := range map[string]string{
		"team-b": `team-b/ml-artifact-store: missing key "bucket"`,
		"locked": "artifact store Secret locked/ml-artifact-store",
	} {
		if _, err := r.For(ctx, ns); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("For(%s): got %v, want an error containing %q", ns, err, want)
		}
	}
	none := &Resolver{}
	if _, err := none.For(ctx, "x"); !errors.Is(err, ErrNoStore) || !strings.Contains(err.Error(), "ml-artifact-store") {
		t.Errorf("no store: got %v, want ErrNoStore naming the Secret", err)
	}
	var nilResolver *Resolver
	if _, err := nilResolver.For(ctx, "x"); !errors.Is(err, ErrNoStore) {
		t.Errorf("nil resolver: got %v, want ErrNoStore", err)
	}
}

// TestResolverRefusesLocalEndpoints: a namespace's Secret cannot make the
// server connect to its own host (or link-local addresses such as the cloud
// metadata service) unless the server allows it.
func TestResolverRefusesLocalEndpoints(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, endpoint := range []string{srv.URL, "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:], "http://169.254.169.254"} {
		kube := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: DefaultSecretName},
			Data: map[string][]byte{"endpoint": []byte(endpoint), "bucket": []byte("bucket")}})
		r := &Resolver{Secrets: SecretsFromClient(kube)}
		s, err := r.For(ctx, "team-a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, "ns/x", strings.NewReader("x"), 0); err == nil || !strings.Contains(err.Error(), "refused for a namespace's Secret") {
			t.Errorf("endpoint %s: Put got %v, want a refusal", endpoint, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the local server got %d requests", n)
	}
	kube := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: DefaultSecretName},
		Data: map[string][]byte{"endpoint": []byte(srv.URL), "bucket": []byte("bucket")}})
	allowed := &Resolver{Secrets: SecretsFromClient(kube), AllowLocalEndpoints: true}
	s, err := allowed.For(ctx, "team-a")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Put(ctx, "ns/x", strings.NewReader("x"), 0)
	if hits.Load() == 0 {
		t.Error("with AllowLocalEndpoints the request did not reach the local server")
	}
}

// Close releases the server's filesystem store (its root directory), and
// is safe without one.
func TestResolverClose(t *testing.T) {
	def, err := NewFilesystem(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Default: def}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := def.Put(context.Background(), "ns/a", strings.NewReader("x"), 0); err == nil {
		t.Error("the filesystem store still works after Close: its root was not closed")
	}
	for _, r := range []*Resolver{nil, {}} {
		if err := r.Close(); err != nil {
			t.Errorf("Close of %+v: %v", r, err)
		}
	}
}
