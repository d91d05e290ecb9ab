package badinput

import (
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// warnings records the Warning headers a client receives.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// TestTuningJobUnknownMetricWarns: an objective metric no trial reported
// yet is not refused (the trials report it once they run) but answered
// with a Warning naming the field and the metric.
func TestTuningJobUnknownMetricWarns(t *testing.T) {
	ns := framework.NewNamespace(t)
	w := &warnings{}
	cfg := rest.CopyConfig(server.ClientConfig)
	cfg.WarningHandler = w
	c, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.MlV1alpha1().TuningJobs(ns).Create(t.Context(), mltesting.NewTuningJob("search", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.msgs) != 1 || !strings.Contains(w.msgs[0], "spec.objective.metric") || !strings.Contains(w.msgs[0], `"loss"`) {
		t.Errorf("warnings %q, want one naming spec.objective.metric and \"loss\"", w.msgs)
	}
}
