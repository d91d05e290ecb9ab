package browser

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestTuningJobPageTrials runs the local example tuning job (with fewer
// trials, to spare the machine) and checks its page lists every trial of
// its status, marks the best one, sorts, and plots the objective; then
// compares two trials.
func TestTuningJobPageTrials(t *testing.T) {
	env := framework.New(t)
	ctx := t.Context()
	tun := &mlv1alpha1.TuningJob{}
	readExample(t, "10-tuningjob.yaml", tun)
	tun.Namespace = env.Namespace
	tun.Spec.MaxTrials = ptr.To[int32](4)
	tun.Spec.ParallelTrials = ptr.To[int32](2)
	tuns := env.Client.MlV1alpha1().TuningJobs(env.Namespace)
	if _, err := tuns.Create(ctx, tun, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *mlv1alpha1.TuningJob
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 4*time.Minute, true, func(ctx context.Context) (bool, error) {
		j, err := tuns.Get(ctx, tun.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = j
		return j.Status.CompletionTime != nil && j.Status.BestTrial != nil, nil
	}); err != nil {
		t.Fatalf("the tuning job did not end with a best trial: %v; status %+v", err, last.Status)
	}
	var want []string
	for _, tr := range last.Status.Trials {
		want = append(want, tr.Name)
	}
	sort.Strings(want)

	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/tuningjobs/%s", env.Namespace, tun.Name))
	waitFor(t, b, "the trials", fmt.Sprintf(`document.querySelectorAll('[data-testid="trial-row"]').length === %d`, len(want)))
	got := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="trial-row"]')].map((r) => r.dataset.name).sort()`)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the page lists trials %v; the status has %v", got, want)
	}
	best := eval[string](t, b, `document.querySelector('[data-testid="trial-row"].best')?.dataset.name || ''`)
	if best != last.Status.BestTrial.Name {
		t.Errorf("the page highlights trial %q as best; the status says %q", best, last.Status.BestTrial.Name)
	}
	// Sorting by the objective (ascending: the goal is Minimize) puts the best first.
	eval[bool](t, b, `(() => { const th = [...document.querySelectorAll('[data-testid="trials-table"] thead button.sort')].find((x) => x.textContent.startsWith('loss')); th.click(); return true; })()`)
	waitFor(t, b, "the trials sorted by loss", `document.querySelector('[data-testid="trials-table"] th[aria-sort="ascending"]')?.textContent.startsWith('loss')`)
	first := eval[string](t, b, `document.querySelector('[data-testid="trial-row"]').dataset.name`)
	if first != last.Status.BestTrial.Name {
		t.Errorf("sorted by loss, the first trial is %q; the best is %q", first, last.Status.BestTrial.Name)
	}
	waitFor(t, b, "the objective plots", `document.querySelector('[data-testid="metric-chart"] canvas') && document.querySelector('[data-testid="param-scatter"] circle.best')`)
	env.Screenshot(t, b, "page")

	// Compare the first two trials: their parameters side by side, curves overlaid.
	open(t, env, b, fmt.Sprintf("/ns/%s/compare?items=trainingjobs/%s,trainingjobs/%s", env.Namespace, want[0], want[1]))
	waitFor(t, b, "the comparison", `document.querySelector('[data-testid="compare-table"]')?.textContent.includes('lr') && document.querySelector('[data-testid="metric-chart"]')?.dataset.series.split(',').length === 2`)
	env.Screenshot(t, b, "compare")
}
