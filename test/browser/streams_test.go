package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestLeavingAPageEndsItsStreams: the watches of a page end when the
// browser leaves it (for another URL or a reload). Left open, they would
// keep holding the browser's six connections to the dashboard, and the
// next pages' requests would wait for them.
func TestLeavingAPageEndsItsStreams(t *testing.T) {
	env := framework.New(t)
	b := env.Browser(t)
	streams := func(what string, done func(n int) bool) {
		t.Helper()
		n := 0
		err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
			n = env.Dashboard.Server.Streams()
			return done(n), nil
		})
		if err != nil {
			t.Fatalf("%s: the dashboard serves %d streams", what, n)
		}
	}
	// The start page watches the namespace's kinds, at most MAX_STREAMS
	// (4) of them.
	const maxStreams = 4
	streams("on the start page", func(n int) bool { return n > 0 })
	if _, err := chromedp.Call(b, page.Navigate, page.NavigateParams{URL: "about:blank"}); err != nil {
		t.Fatalf("leave the page: %v", err)
	}
	streams("after leaving the page for another URL", func(n int) bool { return n == 0 })

	// A reload: the streams of the page that was left end, those of the
	// reloaded page open. Were the old ones kept, the two pages' would be
	// more than one page's.
	open(t, env, b, "/")
	streams("back on the start page", func(n int) bool { return n > 0 })
	if _, err := chromedp.Call(b, page.Reload, page.ReloadParams{}); err != nil {
		t.Fatalf("reload: %v", err)
	}
	waitFor(t, b, "the reloaded page", `document.querySelector('[data-testid="app-ready"]')`)
	streams("after a reload", func(n int) bool { return n > 0 && n <= maxStreams })
	time.Sleep(time.Second)
	if n := env.Dashboard.Server.Streams(); n > maxStreams {
		t.Fatalf("a second after the reload the dashboard serves %d streams; one page opens at most %d", n, maxStreams)
	}
}
