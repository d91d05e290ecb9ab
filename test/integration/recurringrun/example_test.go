package recurringrun

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestExampleNightlyRetrain runs the standalone example with its interval
// lowered as its comment suggests and MODEL_DIR in a directory of the
// test: TrainingJobs start, get the scheduled
// time and index in their environment, succeed and write their models.
func TestExampleNightlyRetrain(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	data, err := os.ReadFile("../../../artifacts/examples/local/8-recurringrun.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rr := &mlv1alpha1.RecurringRun{}
	if err := yaml.UnmarshalStrict(data, rr); err != nil {
		t.Fatal(err)
	}
	rr.Namespace = ns
	rr.Spec.Schedule.Interval.Duration = interval
	rr.Spec.StartTime = nil
	// The models go to a directory of the test's own, which confined
	// processes may write.
	exampleOutput := framework.SharedDir(t)
	env := rr.Spec.RunTemplate.TrainingJob.Env
	for i := range env {
		if env[i].Name == "MODEL_DIR" {
			env[i].Value = exampleOutput
		}
	}
	if _, err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Create(ctx, rr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var job mlv1alpha1.TrainingJob
	waitFor(t, "a succeeded retraining job", func(ctx context.Context) (bool, error) {
		list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.RecurringRunNameLabel + "=" + rr.Name})
		if err != nil {
			return false, err
		}
		for _, tj := range list.Items {
			if tj.Status.Phase == mlv1alpha1.TrainingJobFailed {
				t.Fatalf("job %s failed: %+v", tj.Name, tj.Status)
			}
			if tj.Status.Phase == mlv1alpha1.TrainingJobSucceeded {
				job = tj
				return true, nil
			}
		}
		return false, nil
	})
	index := job.Annotations[mlv1alpha1.ScheduleIndexAnnotation]
	model, err := os.ReadFile(filepath.Join(exampleOutput, index, "model.json"))
	if err != nil {
		t.Fatalf("model of run %s (index %s): %v", job.Name, index, err)
	}
	var m struct {
		Scheduled string `json:"scheduled"`
	}
	if err := yaml.Unmarshal(model, &m); err != nil {
		t.Fatal(err)
	}
	if want := job.Annotations[mlv1alpha1.ScheduledTimeAnnotation]; m.Scheduled != want {
		t.Errorf("the model says it was trained for %q, want the scheduled time %q", m.Scheduled, want)
	}
	if _, err := time.Parse(time.RFC3339, m.Scheduled); err != nil {
		t.Errorf("scheduled time %q: %v", m.Scheduled, err)
	}
	if err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Delete(ctx, rr.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}
