package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// With the server's defaults a job runs confined, as nobody when the
// server is root: it reads its own credentials and writes its directory,
// and is denied the server's CA key and admin kubeconfig.
func TestJobsRunConfined(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	wantUID := "65534"
	if os.Geteuid() != 0 {
		wantUID = ""
	}
	script := `set -u
fail() { echo "FAIL: $*"; exit 1; }
if [ -n "` + wantUID + `" ]; then [ "$(id -u)" = "` + wantUID + `" ] || fail "runs as uid $(id -u)"; fi
for f in ` + filepath.Join(server.DataDir, "pki", "ca.key") + ` ` + filepath.Join(server.DataDir, "kubeconfig") + `; do
  if cat "$f" >/dev/null 2>err; then fail "read $f"; fi
  grep -q "Permission denied" err || fail "reading $f: $(cat err)"
done
if touch ` + filepath.Join(server.DataDir, "escape") + ` 2>err; then fail "wrote the data directory"; fi
echo mine > own && cat "$ML_METRICS_KEY" "$ML_METRICS_CERT" "$ML_METRICS_CA" >/dev/null || fail "own files"
echo confined`
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "confined"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:      ptr.To[int32](1),
			BackoffLimit:  ptr.To[int32](0),
			Metrics:       &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush},
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"sh", "-c", script}},
		},
	}
	if _, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, "confined", 2*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
	})
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
		log, _ := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("confined").SubResource("log").DoRaw(ctx)
		t.Fatalf("the confined job failed; its log:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(server.DataDir, "escape")); err == nil {
		t.Errorf("the job wrote the data directory")
	}
}
