package standalone

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clienttesting "k8s.io/client-go/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

func meta(ns, name string, uid types.UID) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: uid}
}

// credentialsFixture is a runtime directory with a credentials directory
// for each uid.
func credentialsFixture(t *testing.T, uids ...string) (string, *local.Runtime) {
	t.Helper()
	dir := t.TempDir()
	for _, uid := range uids {
		if err := os.MkdirAll(filepath.Join(dir, "credentials", uid), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	rt, err := local.New(local.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Shutdown(context.Background()) })
	return dir, rt
}

func credentialUIDs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// Credentials of objects of every kind that may have processes are kept,
// those of objects that are gone are removed.
func TestRemoveStaleCredentials(t *testing.T) {
	ml := mlfake.NewSimpleClientset(
		&mlv1alpha1.TrainingJob{ObjectMeta: meta("a", "job", "uid-job")},
		&mlv1alpha1.PipelineRun{ObjectMeta: meta("b", "run", "uid-run")},
		&mlv1alpha1.Model{ObjectMeta: meta("a", "model", "uid-model")},
		&mlv1alpha1.Notebook{ObjectMeta: meta("c", "nb", "uid-notebook")},
	)
	dir, rt := credentialsFixture(t, "uid-job", "uid-run", "uid-model", "uid-notebook", "uid-deleted-job", "uid-deleted-run")
	RemoveStaleCredentials(context.Background(), ml, rt)
	if diff := cmp.Diff([]string{"uid-job", "uid-model", "uid-notebook", "uid-run"}, credentialUIDs(t, dir)); diff != "" {
		t.Errorf("credentials after the sweep (-want +got):\n%s", diff)
	}
}

// When the objects cannot be listed, nothing is removed.
func TestRemoveStaleCredentialsKeepsAllWhenUnsure(t *testing.T) {
	ml := mlfake.NewSimpleClientset()
	ml.PrependReactor("list", "models", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, context.DeadlineExceeded
	})
	dir, rt := credentialsFixture(t, "uid-a", "uid-b")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	RemoveStaleCredentials(ctx, ml, rt)
	if diff := cmp.Diff([]string{"uid-a", "uid-b"}, credentialUIDs(t, dir)); diff != "" {
		t.Errorf("credentials after a sweep that could not list models (-want +got):\n%s", diff)
	}
}
