package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// credentialsRuntime is a runtime whose OwnerEnv writes a credential
// file for each owner, as standalone mode's metrics certificates.
func credentialsRuntime(t *testing.T, dir string) *Runtime {
	t.Helper()
	r, err := New(Config{Dir: dir, MaxGracePeriod: 2 * time.Second,
		OwnerEnv: func(o workload.Owner, credentials string) ([]corev1.EnvVar, error) {
			if err := os.MkdirAll(credentials, 0o700); err != nil {
				return nil, err
			}
			file := filepath.Join(credentials, "token")
			if err := os.WriteFile(file, []byte(o.Name), 0o600); err != nil {
				return nil, err
			}
			return []corev1.EnvVar{{Name: "TOKEN_FILE", Value: file}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
	return r
}

func credentialDirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, credentialsFolder))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// An owner's credentials are in a directory of its own, which goes with
// the owner.
func TestForgetOwnerRemovesCredentials(t *testing.T) {
	dir := t.TempDir()
	r := credentialsRuntime(t, dir)
	ctx := context.Background()
	gone, kept := owner("gone", "1"), owner("kept", "2")
	for _, o := range []workload.Owner{gone, kept} {
		if _, err := r.EnsureReplica(ctx, o, shReplica(o.Name+"-0", `test "$(cat "$TOKEN_FILE")" = "$OWNER" && exec sleep 600`,
			corev1.EnvVar{Name: "OWNER", Value: o.Name})); err != nil {
			t.Fatal(err)
		}
		waitFor(t, r, o, o.Name+"-0", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	}
	if diff := cmp.Diff([]string{"uid-1", "uid-2"}, credentialDirs(t, dir)); diff != "" {
		t.Fatalf("credential directories (-want +got):\n%s", diff)
	}
	r.ForgetOwner(ctx, gone)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && len(credentialDirs(t, dir)) != 1 {
		time.Sleep(50 * time.Millisecond)
	}
	if diff := cmp.Diff([]string{"uid-2"}, credentialDirs(t, dir)); diff != "" {
		t.Errorf("credential directories after the owner uid-1 went (-want +got):\n%s", diff)
	}
	// A sync that raced with the deletion starts nothing for the owner
	// and writes no credentials again.
	if created, err := r.EnsureReplica(ctx, gone, shReplica("gone-1", "exec sleep 600")); !errors.Is(err, errOwnerGone) || created {
		t.Errorf("EnsureReplica of a forgotten owner = %v, %v; want an error that its owner was deleted", created, err)
	}
	if _, err := r.EnsureService(ctx, gone, workload.ServiceSpec{Name: "gone", Headless: true}); !errors.Is(err, errOwnerGone) {
		t.Errorf("EnsureService of a forgotten owner: %v", err)
	}
	if list, _ := r.ListReplicas(gone); len(list) != 0 {
		t.Errorf("replicas of the forgotten owner: %v", names(list))
	}
	if diff := cmp.Diff([]string{"uid-2"}, credentialDirs(t, dir)); diff != "" {
		t.Errorf("credential directories after a late sync of the forgotten owner (-want +got):\n%s", diff)
	}
	// The other owner's process still reads its own.
	if s := waitFor(t, r, kept, "kept-0", func(workload.ReplicaStatus) bool { return true }); s.Phase != workload.PhaseRunning {
		t.Errorf("replica of the kept owner: %+v", s)
	}
}

// At start, the credentials of owners that no longer exist go; those of
// existing owners and of owners whose processes run stay.
func TestRemoveStaleCredentials(t *testing.T) {
	dir := t.TempDir()
	for _, uid := range []string{"uid-deleted", "uid-exists", "uid-running", "uid-deleted-too"} {
		if err := os.MkdirAll(filepath.Join(dir, credentialsFolder, uid), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, credentialsFolder, uid, "metrics.key"), []byte("k"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := credentialsRuntime(t, dir)
	running := owner("job", "running")
	if _, err := r.EnsureReplica(context.Background(), running, shReplica("job-0", "exec sleep 600")); err != nil {
		t.Fatal(err)
	}
	var asked []types.UID
	exists := func(uid types.UID) bool {
		asked = append(asked, uid)
		return uid == "uid-exists"
	}
	if err := r.RemoveStaleCredentials(exists); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"uid-exists", "uid-running"}, credentialDirs(t, dir)); diff != "" {
		t.Errorf("credential directories after the sweep (-want +got):\n%s", diff)
	}
	if len(asked) == 0 {
		t.Errorf("the sweep never asked which owners exist")
	}

	// Nothing to sweep is no error.
	empty := credentialsRuntime(t, t.TempDir())
	if err := empty.RemoveStaleCredentials(func(types.UID) bool { return false }); err != nil {
		t.Errorf("sweep of a runtime without credentials: %v", err)
	}
}

func TestCredentialsDirRefusesPaths(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	for _, uid := range []types.UID{"", ".", "..", "a/b", `a\b`} {
		if dir, err := r.credentialsDir(uid); err == nil {
			t.Errorf("credentialsDir(%q) = %s, want an error", uid, dir)
		}
	}
	if dir, err := r.credentialsDir("0b9c2c1e-5b9e-4b4f-9f7e-1d2c3b4a5f60"); err != nil || filepath.Base(dir) != "0b9c2c1e-5b9e-4b4f-9f7e-1d2c3b4a5f60" {
		t.Errorf("credentialsDir of a UID = %s, %v", dir, err)
	}
}
