package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
	integration "ml.example.io/ml-apiserver/test/integration/framework"
)

// TestModelPage serves the local example model (its server from
// 2-model.yaml, its weights from a file instead of a training job) and
// checks the page shows its URL, readiness and scale control.
func TestModelPage(t *testing.T) {
	env := framework.New(t)
	ctx := t.Context()
	dir := integration.SharedDir(t)
	weights := filepath.Join(dir, "model.json")
	if err := os.WriteFile(weights, []byte(`{"w0": 4.0, "w1": 4.0, "b": -4.0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &mlv1alpha1.Model{}
	readExample(t, "2-model.yaml", m)
	m.Namespace = env.Namespace
	m.Spec.Source = mlv1alpha1.ModelSource{URI: "file://" + weights}
	models := env.Client.MlV1alpha1().Models(env.Namespace)
	if _, err := models.Create(ctx, m, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *mlv1alpha1.Model
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := models.Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = got
		return got.Status.Phase == mlv1alpha1.ModelReady && got.Status.URL != "", nil
	}); err != nil {
		t.Fatalf("the model did not become ready: %v; status %+v", err, last.Status)
	}

	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/models/%s", env.Namespace, m.Name))
	waitFor(t, b, "the model's URL and readiness", fmt.Sprintf(`[...document.querySelectorAll('a')].some((a) => a.href.startsWith(%q)) && document.body.textContent.includes('1 of 1 replicas ready') && document.querySelector('[data-testid="phase"]').dataset.phase === 'Ready'`, last.Status.URL))
	waitFor(t, b, "the scale control", `document.querySelector('[data-testid="scale-form"]')?.dataset.access === 'allowed'`)
	// The model's age ("Created 12s ago") moves on while the page stays
	// open and the object does not change: the same element's text.
	waitFor(t, b, "the Created age to move on", `(() => {
		const el = document.querySelector('time[data-age]');
		if (!el) return false;
		if (window.__ageEl !== el) { window.__ageEl = el; window.__ageText = el.textContent; return false; }
		return el.textContent !== window.__ageText && el.textContent.endsWith(' ago');
	})()`)
	env.Screenshot(t, b, "page")
}

// TestNotebookPage runs the local example notebook, opens its page, and
// stops it with the page's Stop button.
func TestNotebookPage(t *testing.T) {
	env := framework.New(t)
	ctx := t.Context()
	nb := &mlv1alpha1.Notebook{}
	readExample(t, "5-notebook.yaml", nb)
	nb.Namespace = env.Namespace
	nbs := env.Client.MlV1alpha1().Notebooks(env.Namespace)
	if _, err := nbs.Create(ctx, nb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *mlv1alpha1.Notebook
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := nbs.Get(ctx, nb.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = got
		return got.Status.Phase == mlv1alpha1.NotebookRunning && got.Status.URL != "", nil
	}); err != nil {
		t.Fatalf("the notebook did not start: %v; status %+v", err, last.Status)
	}

	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/notebooks/%s", env.Namespace, nb.Name))
	waitFor(t, b, "the Open link", fmt.Sprintf(`[...document.querySelectorAll('a.button')].some((a) => a.textContent === 'Open' && a.href.startsWith(%q))`, last.Status.URL))
	env.Screenshot(t, b, "running")
	waitFor(t, b, "the Stop button", `[...document.querySelectorAll('button')].some((x) => x.textContent === 'Stop' && x.dataset.access === 'allowed')`)
	eval[bool](t, b, `(() => { [...document.querySelectorAll('button')].find((x) => x.textContent === 'Stop').click(); return true; })()`)
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, pageTimeout, true, func(ctx context.Context) (bool, error) {
		got, err := nbs.Get(ctx, nb.Name, metav1.GetOptions{})
		return err == nil && got.Spec.Stopped, err
	}); err != nil {
		t.Fatalf("Stop did not set spec.stopped: %v", err)
	}
	waitFor(t, b, "the Start button and the Stopped phase", `[...document.querySelectorAll('button')].some((x) => x.textContent === 'Start' && !x.hidden) && document.querySelector('[data-testid="phase"]').dataset.phase === 'Stopped'`)
	env.Screenshot(t, b, "stopped")
}
