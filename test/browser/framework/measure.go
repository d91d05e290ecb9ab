package framework

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timing is what the page's own clock (performance.now(), milliseconds
// since the navigation started) said about one measurement.
type Timing struct {
	Label string
	// Start is when the measurement started: 0 for a page load, else
	// when the action was about to run.
	Start float64
	// Load is the end of the page's load event (0 when not a page load).
	Load float64
	// End is when the condition first held.
	End float64
}

// Elapsed is End - Start.
func (m Timing) Elapsed() time.Duration { return ms(m.End - m.Start) }

// AfterLoad is End - Load: how long the page took to show its data after
// the browser finished loading it.
func (m Timing) AfterLoad() time.Duration { return ms(m.End - m.Load) }

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// watchJS records in window.__mlTimings[label] when cond (a JavaScript
// expression) first holds, checked on every DOM change and every frame.
const watchJS = `(function (label, cond) {
  const timings = window.__mlTimings = window.__mlTimings || {};
  const rec = timings[label] = {start: performance.now()};
  const check = () => {
    if (rec.end !== undefined) return true;
    let ok = false;
    try { ok = !!cond(); } catch (e) { ok = false; }
    if (ok) {
      rec.end = performance.now();
      const nav = performance.getEntriesByType('navigation')[0];
      rec.load = nav ? nav.loadEventEnd : 0;
    }
    return ok;
  };
  if (check()) return;
  const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
  obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  const frame = () => { if (check()) { obs.disconnect(); } else { requestAnimationFrame(frame); } };
  requestAnimationFrame(frame);
})`

func watchCall(label, cond string) string {
	l, _ := json.Marshal(label)
	return watchJS + "(" + string(l) + ", () => (" + cond + "));"
}

// MeasureLoad opens a route of the dashboard and reports when cond (a
// JavaScript expression, for example
// `document.querySelectorAll('[data-testid=list-row]').length >= 1000`)
// first held, from the navigation's start and from the end of the load
// event, by the page's clock. It logs the timing (t.Logf) and returns it;
// it asserts nothing about the time, only that cond held within timeout.
func (e *Env) MeasureLoad(t *testing.T, ctx context.Context, label, route, cond string, timeout time.Duration) Timing {
	t.Helper()
	added, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchCall(label, cond)})
	if err != nil {
		t.Fatalf("measure %s: %v", label, err)
	}
	defer func() {
		_, _ = chromedp.Call(ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: added.Identifier})
	}()
	// A navigation to the same document with only another hash would not
	// load a new document: leave the page first.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	e.Open(t, ctx, route)
	m := waitTiming(t, ctx, label, timeout)
	m.Start = 0
	t.Logf("timing %s: %v after navigation start, %v after load (page clock)", label, ms(m.End).Round(time.Millisecond), m.AfterLoad().Round(time.Millisecond))
	return m
}

// Measure runs action in the page (a click, a key press) and reports how
// long until cond held, by the page's clock; logged, not asserted. Choose
// a cond that does not hold before the action: it is checked from the
// moment the action returned, and when it holds by then the time is that
// moment's.
func Measure(t *testing.T, ctx context.Context, label string, action chromedp.Action[chromedp.Void], cond string, timeout time.Duration) Timing {
	t.Helper()
	startJS := `(function(label){const t=window.__mlTimings=window.__mlTimings||{}; delete t[label]; return performance.now();})(` + jsString(label) + `)`
	start, err := chromedp.Run(ctx, chromedp.Evaluate[float64](startJS))
	if err != nil {
		t.Fatalf("measure %s: %v", label, err)
	}
	if err := chromedp.Do(ctx, action); err != nil {
		t.Fatalf("measure %s: the action failed: %v", label, err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](watchCall(label, cond))); err != nil {
		t.Fatalf("measure %s: %v", label, err)
	}
	m := waitTiming(t, ctx, label, timeout)
	m.Start = start
	t.Logf("timing %s: %v (page clock)", label, m.Elapsed().Round(time.Millisecond))
	return m
}

// waitTiming polls until the watcher of label recorded its end.
func waitTiming(t *testing.T, ctx context.Context, label string, timeout time.Duration) Timing {
	t.Helper()
	expr := `(function(label){const r=(window.__mlTimings||{})[label]; return r && r.end !== undefined ? r : null;})(` + jsString(label) + `)`
	type rec struct {
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Load  float64 `json:"load"`
	}
	r, err := chromedp.Run(ctx, chromedp.Poll[rec](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("measure %s: the condition did not hold within %v: %v", label, timeout, err)
	}
	return Timing{Label: label, Start: r.Start, Load: r.Load, End: r.End}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
