package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// pageTimeout bounds how long a page may take to show what a test waits
// for; the machine may be busy, so it is generous.
const pageTimeout = time.Minute

// readExample decodes an example of artifacts/examples/local into obj.
func readExample(t *testing.T, file string, obj any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(framework.Root(), "artifacts/examples/local", file))
	if err != nil {
		t.Fatal(err)
	}
	decode(t, string(data), obj)
}

// decode reads YAML into obj, refusing unknown fields.
func decode(t *testing.T, text string, obj any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(text), obj); err != nil {
		t.Fatalf("decode: %v\n%s", err, text)
	}
}

// open shows the page at the hash route ("/ns/NS/KIND/NAME", without the
// #) and waits until the page says its first data has loaded
// (data-testid app-ready). The page is loaded afresh.
func open(t *testing.T, env *framework.Env, ctx context.Context, route string) {
	t.Helper()
	navigate(t, env, ctx, route)
	waitFor(t, ctx, "the page "+route+" to load", `document.querySelector('[data-testid="app-ready"]')`)
}

// navigate loads the dashboard's page at route afresh (from about:blank,
// so that a change of the hash alone does not keep the old document). It
// does not wait for the load event: the tests wait for what they look for.
func navigate(t *testing.T, env *framework.Env, ctx context.Context, route string) {
	t.Helper()
	for _, url := range []string{"about:blank", env.Dashboard.URL + "#" + route} {
		if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url}); err != nil {
			t.Fatalf("navigate to %s: %v", url, err)
		}
	}
}

// eval runs a JavaScript expression in the page (awaiting it when it is a
// promise) and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// do runs browser actions (clicks, keys), failing the test on error.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, pageTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("browser: %v; page: %s", err, framework.Text(t, ctx))
	}
}

// waitFor waits until the JavaScript expression is true in the page;
// what makes it true arrives through the page's watches.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, pageTimeout, true, func(ctx context.Context) (bool, error) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err != nil {
			// A navigation in flight destroys the context: try again.
			return false, nil
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s (%s): %v; page: %s", what, expr, err, framework.Text(t, ctx))
	}
}

// waitRun waits until the run has ended and returns it.
func waitRun(t *testing.T, c mlclientset.Interface, ns, name string, timeout time.Duration) *mlv1alpha1.PipelineRun {
	t.Helper()
	var last *mlv1alpha1.PipelineRun
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		r, err := c.MlV1alpha1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = r
		switch r.Status.Phase {
		case mlv1alpha1.PipelineRunSucceeded, mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("run %s/%s did not end: %v; last status %+v", ns, name, err, last.Status)
	}
	return last
}

// timingJS records, in window.__pagesTiming, the page's clock
// (performance.now(), ms since the navigation started) when cond first
// holds, checked on every DOM change and every frame, and the end of the
// load event.
const timingJS = `(() => {
  const cond = () => { try { return !!(%s); } catch (e) { return false; } };
  const check = () => {
    if (window.__pagesTiming) return true;
    if (!cond()) return false;
    const nav = performance.getEntriesByType('navigation')[0];
    window.__pagesTiming = {end: performance.now(), load: nav ? nav.loadEventEnd : 0};
    return true;
  };
  const start = () => {
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    const frame = () => { if (!check()) requestAnimationFrame(frame); else obs.disconnect(); };
    requestAnimationFrame(frame);
  };
  if (location.href.startsWith('http')) start();
})();`

// measureLoad loads the page at route afresh and returns how many
// milliseconds after the navigation started cond first held, and after
// the end of the load event, by the page's clock; the test logs them. It
// waits with waitFor, which rides out the execution contexts a navigation
// replaces.
func measureLoad(t *testing.T, env *framework.Env, ctx context.Context, label, route, cond string) (sinceNavigation, sinceLoad float64) {
	t.Helper()
	added, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(timingJS, cond)})
	if err != nil {
		t.Fatalf("measure %s: %v", label, err)
	}
	defer func() {
		_, _ = chromedp.Call(ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams(added))
	}()
	navigate(t, env, ctx, route)
	waitFor(t, ctx, label, `window.__pagesTiming`)
	r := eval[struct {
		End  float64 `json:"end"`
		Load float64 `json:"load"`
	}](t, ctx, `window.__pagesTiming`)
	t.Logf("timing %s: %.0f ms after the navigation started, %.0f ms after the load event (page clock)", label, r.End, r.End-r.Load)
	return r.End, r.End - r.Load
}
