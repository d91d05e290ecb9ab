package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// A job's processes push metrics to their own job with the certificate
// standalone mode gives them, and may not push to another job's.
func TestProcessesPushMetrics(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	script := `set -e
body='{"apiVersion":"ml.example.io/v1alpha1","kind":"Metrics","series":[{"name":"loss","points":[{"step":1,"value":0.5},{"step":2,"value":0.25}]}]}'
push() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$ML_METRICS_CA" --cert "$ML_METRICS_CERT" --key "$ML_METRICS_KEY" -H 'Content-Type: application/json' -X POST -d "$body" "$1"; }
own=$(push "$ML_METRICS_URL")
other=$(push "${ML_METRICS_URL%/pusher/metrics}/someone-else/metrics")
echo "own=$own other=$other"
[ "$own" = 201 ] || [ "$own" = 200 ]
[ "$other" = 403 ]`
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pusher"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:      ptr.To[int32](1),
			BackoffLimit:  ptr.To[int32](0),
			Metrics:       &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush},
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"sh", "-c", script}},
		},
	}
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, "pusher", 2*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
	})
	log, _ := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("pusher").SubResource("log").DoRaw(ctx)
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
		t.Fatalf("the pushing job failed; its log:\n%s", log)
	}
	m := &mlv1alpha1.Metrics{}
	if err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("pusher").
		SubResource("metrics").Do(ctx).Into(m); err != nil {
		t.Fatal(err)
	}
	if len(m.Series) != 1 || m.Series[0].Name != "loss" || len(m.Series[0].Points) != 2 {
		t.Errorf("metrics %+v: want the two pushed loss points; job log:\n%s", m.Series, log)
	}
}

// credentialsDir is where standalone mode keeps the metrics certificate of
// the object uid.
func credentialsDir(uid types.UID) string {
	return filepath.Join(server.DataDir, "workloads", "credentials", string(uid))
}

// waitGone waits until path no longer exists.
func waitGone(t *testing.T, what, path string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(path)
	t.Errorf("%s %s still there: %v", what, path, entries)
}

// A job's metrics certificate goes with the job.
func TestCredentialsGoWithTheirJob(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	dir := framework.SharedDir(t)
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	job, err := jobs.Create(ctx, sleeper(ns, "certified", dir, 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := waitPIDs(t, dir, "replica-0")["replica-0"]
	creds := credentialsDir(job.UID)
	for _, f := range []string{"metrics.crt", "metrics.key"} {
		if _, err := os.Stat(filepath.Join(creds, f)); err != nil {
			t.Errorf("the running job's credentials: %v", err)
		}
	}
	if err := jobs.Delete(ctx, "certified", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDead(t, "the replica of the deleted job", pid)
	waitGone(t, "credentials of the deleted job", creds)
}
