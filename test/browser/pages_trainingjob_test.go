package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestTrainingJobPageLossCurve runs the local example training job and
// checks its page draws the loss curve with as many points as the metrics
// subresource returns for the same maxPoints, with the replicas' logs.
func TestTrainingJobPageLossCurve(t *testing.T) {
	env := framework.New(t)
	ctx := t.Context()
	tj := &mlv1alpha1.TrainingJob{}
	readExample(t, "1-trainingjob.yaml", tj)
	tj.Namespace = env.Namespace
	jobs := env.Client.MlV1alpha1().TrainingJobs(env.Namespace)
	if _, err := jobs.Create(ctx, tj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *mlv1alpha1.TrainingJob
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		j, err := jobs.Get(ctx, tj.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = j
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed, nil
	}); err != nil {
		t.Fatalf("the training job did not end: %v; status %+v", err, last.Status)
	}

	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/trainingjobs/%s", env.Namespace, tj.Name))
	waitFor(t, b, "the loss chart", `document.querySelector('[data-testid="metric-chart"][data-series="loss"] canvas')`)
	maxPoints := eval[string](t, b, `document.querySelector('[data-testid="metric-charts"]').dataset.maxPoints`)
	raw, err := env.Client.MlV1alpha1().RESTClient().Get().Namespace(env.Namespace).Resource("trainingjobs").Name(tj.Name).
		SubResource("metrics").Param("names", "loss").Param("maxPoints", maxPoints).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Series []struct {
			Name   string            `json:"name"`
			Points []json.RawMessage `json:"points"`
		} `json:"series"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Series) != 1 || len(m.Series[0].Points) < 2 {
		t.Fatalf("the API returned no loss curve: %s", raw)
	}
	drawn := eval[int](t, b, `Number(document.querySelector('[data-testid="metric-chart"][data-series="loss"]').dataset.points)`)
	if drawn != len(m.Series[0].Points) {
		t.Errorf("the page draws %d loss points; the API returned %d (maxPoints=%s)", drawn, len(m.Series[0].Points), maxPoints)
	}
	if legend := eval[string](t, b, `document.querySelector('[data-testid="metric-chart"][data-series="loss"]').textContent`); !strings.Contains(legend, "loss") {
		t.Error("the loss chart has no title or legend")
	}
	// The log of the replicas (all of them, prefixed) is on the page.
	waitFor(t, b, "the replicas' log", `document.querySelector('[data-testid="log-view"]')?.textContent.includes('[replica-0]')`)
	env.Screenshot(t, b, "page")
}

// TestComparePageLive opens the comparison of a suspended training job and
// resumes the job: the page shows it Succeeded, with its loss curve, with
// no reload.
func TestComparePageLive(t *testing.T) {
	env := framework.New(t)
	ctx := t.Context()
	tj := &mlv1alpha1.TrainingJob{}
	readExample(t, "1-trainingjob.yaml", tj)
	tj.Namespace = env.Namespace
	tj.Spec.Suspend = true
	jobs := env.Client.MlV1alpha1().TrainingJobs(env.Namespace)
	if _, err := jobs.Create(ctx, tj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/compare?items=trainingjobs/%s", env.Namespace, tj.Name))
	waitFor(t, b, "the comparison", `document.querySelector('[data-testid="compare-table"]')`)
	if phase := eval[string](t, b, `document.querySelector('[data-testid="compare-table"] tbody tr').textContent`); strings.Contains(phase, "Succeeded") {
		t.Fatalf("the suspended job shows %q before it ran", phase)
	}
	if _, err := jobs.Patch(ctx, tj.Name, types.MergePatchType, []byte(`{"spec":{"suspend":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the job Succeeded on the page, with its loss curve",
		`document.querySelector('[data-testid="compare-table"] tbody tr')?.textContent.includes('Succeeded') && Number(document.querySelector('[data-testid="metric-chart"]')?.dataset.points) > 1`)
	env.Screenshot(t, b, "live")
}
