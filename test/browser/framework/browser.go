package framework

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// WindowWidth and WindowHeight are the size of the browser's page: the
// dashboard must work at 1280x800.
const (
	WindowWidth  = 1280
	WindowHeight = 800
)

// BrowserOptions change NewBrowser's browser.
type BrowserOptions struct {
	// Login visits the dashboard's login URL first, so the browser holds
	// the token's cookie.
	Login bool
	// Flags are more chromium flags, such as host-resolver-rules.
	Flags map[string]any
}

// Browser returns a chromedp context of a fresh headless chromium that has
// logged in to the test's dashboard (visited /?token=, now at /). The
// browser is stopped when the test ends. The page's console messages and
// uncaught exceptions are logged to the test.
func (e *Env) Browser(t *testing.T) context.Context {
	t.Helper()
	return e.NewBrowser(t, BrowserOptions{Login: true})
}

// NewBrowser is Browser with options: without Login, the browser has never
// seen the token.
func (e *Env) NewBrowser(t *testing.T, o BrowserOptions) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(state.chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(WindowWidth, WindowHeight),
	}
	for name, value := range o.Flags {
		opts = append(opts, chromedp.Flag(name, value))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	log := &testLog{t: t}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(log.logf))
	t.Cleanup(func() {
		log.stop()
		if err := chromedp.Cancel(ctx); err != nil {
			t.Logf("stop the browser: %v", err)
		}
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser, for as long as ctx lives. The
	// window's size is the screen's; the page gets all of it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(WindowWidth, WindowHeight)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	log.follow(ctx)
	if o.Login {
		e.login(t, ctx)
	}
	return ctx
}

// login visits the login URL and checks that the token left the URL.
func (e *Env) login(t *testing.T, ctx context.Context) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(e.Dashboard.LoginURL())); err != nil {
		t.Fatalf("open the login URL: %v", err)
	}
	loc, err := chromedp.Run(tctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != e.Dashboard.URL {
		t.Fatalf("after login the browser is at %s, want %s", loc, e.Dashboard.URL)
	}
}

// Open navigates to a route of the dashboard: "#/ns/NS/pipelineruns" or
// "" for the start page.
func (e *Env) Open(t *testing.T, ctx context.Context, route string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(e.Dashboard.URL+route)); err != nil {
		t.Fatalf("open %s: %v", route, err)
	}
}

// ScreenshotDir is where Screenshot writes, under the repository's root.
const ScreenshotDir = "_output/browser/screenshots"

// Screenshot saves the browser's window as
// _output/browser/screenshots/<Test>-<name>.png and returns the path.
func (e *Env) Screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(state.root, ScreenshotDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fileName(t.Name())+"-"+fileName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// fileName keeps letters, digits, dot, dash and underscore.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// testLog logs the browser's messages to the test until it ends: a test
// may not log after it returned.
type testLog struct {
	t       *testing.T
	mu      sync.Mutex
	stopped bool
}

func (l *testLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("chromium: "+format, args...)
	}
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

// follow logs the page's console calls and uncaught exceptions.
func (l *testLog) follow(ctx context.Context) {
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			var args []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			l.logf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			l.logf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber, msg)
		}
	}()
}

// Text is the text of the page's body.
func Text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		t.Fatalf("read the page's text: %v", err)
	}
	return s
}
