package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// The documented rule: processes do not survive a restart of the server;
// stopping the server stops them, and the controllers start the replicas
// of running jobs again once it is back. (It runs last: it restarts the
// package's server.)
func TestServerRestartMidJob(t *testing.T) {
	ns := framework.NewNamespace(t)
	dir := framework.SharedDir(t)
	ctx := context.Background()
	created, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, sleeper(ns, "survivor", dir, 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, ns, "survivor", time.Minute, phase(mlv1alpha1.TrainingJobRunning))
	before := waitPIDs(t, dir, "replica-0")["replica-0"]
	if err := os.Remove(filepath.Join(dir, "replica-0")); err != nil {
		t.Fatal(err)
	}

	server.Stop()
	if alive(before) {
		t.Errorf("replica process %d outlived the server", before)
	}
	// Credentials of an object deleted while the server was down.
	stale := credentialsDir("0d1e2a3d-0000-4000-8000-00000000dead")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "metrics.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	server.Restart()

	after := waitPIDs(t, dir, "replica-0")["replica-0"]
	if after == before || !alive(after) {
		t.Errorf("after the restart the replica runs as pid %d (alive %v); before it was %d", after, alive(after), before)
	}
	job := waitJob(t, ns, "survivor", time.Minute, phase(mlv1alpha1.TrainingJobRunning))
	if job.UID != created.UID {
		t.Errorf("job uid %s after the restart, want %s: the restart must keep the object", job.UID, created.UID)
	}
	if job.Status.Phase != mlv1alpha1.TrainingJobRunning {
		t.Errorf("job phase %s after the restart", job.Status.Phase)
	}
	waitGone(t, "credentials of an object that no longer exists, after the restart", stale)
	if _, err := os.Stat(filepath.Join(credentialsDir(job.UID), "metrics.crt")); err != nil {
		t.Errorf("credentials of the running job after the restart: %v", err)
	}
	if err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Delete(ctx, "survivor", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDead(t, "the restarted replica after delete", after)
	waitGone(t, "credentials of the deleted job", credentialsDir(job.UID))
}
