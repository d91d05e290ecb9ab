package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/dashboard"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// get asks the dashboard for path with the given headers (and Host, when
// set) and returns the status and body.
func get(t *testing.T, env *framework.Env, method, path, host string, header map[string]string, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, strings.TrimSuffix(env.Dashboard.URL, "/")+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTokenRequired: without the token nothing is served, to a program or
// to a browser that never opened the printed URL.
func TestTokenRequired(t *testing.T) {
	env := framework.New(t)
	runs := "/k8s/apis/ml.example.io/v1alpha1/namespaces/" + env.Namespace + "/pipelineruns"
	for _, path := range []string{"/", "/index.html", "/app.js", "/config.json", runs, "/?token=wrong"} {
		status, body := get(t, env, http.MethodGet, path, "", nil, "")
		if status != http.StatusUnauthorized || !strings.Contains(body, "kubectl ml dashboard") {
			t.Errorf("GET %s without the token: %d %q, want 401 naming kubectl ml dashboard", path, status, body)
		}
	}
	if status, _ := get(t, env, http.MethodGet, runs, "", map[string]string{"Authorization": "Bearer " + env.Dashboard.Token}, ""); status != http.StatusOK {
		t.Fatalf("GET %s with the token: %d, want 200", runs, status)
	}

	ctx := env.NewBrowser(t, framework.BrowserOptions{})
	for _, path := range []string{"", "#/ns/" + env.Namespace + "/pipelineruns", "?token=" + env.Dashboard.Token + "x"} {
		// From a blank page: a change of the hash alone loads nothing.
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(env.Dashboard.URL+path))
		if err != nil || resp == nil {
			t.Fatalf("open %s: %v (response %v)", path, err, resp)
		}
		if resp.Status != http.StatusUnauthorized {
			t.Errorf("the browser got %d for %s without the token, want 401", resp.Status, path)
		}
		if text := framework.Text(t, ctx); !strings.Contains(text, "kubectl ml dashboard") {
			t.Errorf("the page of %s says %q, want how to open the dashboard", path, text)
		}
	}
	env.Screenshot(t, ctx, "no-token")
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{env.Dashboard.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) != 0 {
		t.Errorf("a browser without the token got cookies: %v", cookies.Cookies)
	}
}

// TestTokenFlow: the printed URL trades its token for an HttpOnly,
// SameSite=Strict cookie and leaves the address bar; the page then reaches
// /config.json and the API, writes included, with the kubeconfig's
// credentials.
func TestTokenFlow(t *testing.T) {
	env := framework.New(t)
	ctx := env.Browser(t) // fails unless the URL lost its token
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{env.Dashboard.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) != 1 {
		t.Fatalf("cookies %v, want the dashboard's only", cookies.Cookies)
	}
	c := cookies.Cookies[0]
	if c.Name != dashboard.CookieName || c.Value != env.Dashboard.Token || !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/" {
		t.Errorf("cookie %s=%s httpOnly=%v sameSite=%s path=%s, want %s=<token> HttpOnly SameSite=Strict Path=/",
			c.Name, c.Value, c.HTTPOnly, c.SameSite, c.Path, dashboard.CookieName)
	}
	// HttpOnly: the page's scripts never see the token.
	if js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || strings.Contains(js, env.Dashboard.Token) {
		t.Errorf("document.cookie = %q (%v): the token is visible to scripts", js, err)
	}
	if hist, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); err != nil || strings.Contains(hist, "token") {
		t.Errorf("location %q (%v) still carries the token", hist, err)
	}

	var cfg dashboard.UIConfig
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch('/config.json', {headers: {'X-Requested-With': 'ml-dashboard'}}).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("/config.json: %v: %s", err, raw)
	}
	if cfg.Namespace != env.Namespace || cfg.Mode != dashboard.ModeStandalone || cfg.Server == "" {
		t.Errorf("/config.json = %+v, want namespace %s in standalone mode", cfg, env.Namespace)
	}

	// A write from the page: the proxy sends it with the admin's
	// certificate.
	run := fmt.Sprintf(`{"apiVersion":"ml.example.io/v1alpha1","kind":"PipelineRun","metadata":{"name":"from-the-page"},
		"spec":{"suspend":true,"pipelineSpec":{"tasks":[{"name":"a","image":"busybox","command":["true"]}]}}}`)
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(
		`fetch('/k8s/apis/ml.example.io/v1alpha1/namespaces/%s/pipelineruns', {method: 'POST',
		  headers: {'X-Requested-With': 'ml-dashboard', 'Content-Type': 'application/json'}, body: %s}).then(r => r.status)`,
		env.Namespace, jsString(run)), chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusCreated {
		t.Fatalf("POST from the page: %d %v, want 201", status, err)
	}
	if _, err := env.Client.MlV1alpha1().PipelineRuns(env.Namespace).Get(t.Context(), "from-the-page", metav1.GetOptions{}); err != nil {
		t.Errorf("the run created from the page: %v", err)
	}
	table, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`fetch('/k8s/apis/ml.example.io/v1alpha1/namespaces/%s/pipelineruns', {headers: {'X-Requested-With': 'ml-dashboard',
		  'Accept': 'application/json;as=Table;v=v1;g=meta.k8s.io'}}).then(r => r.json()).then(j => j.kind + ':' + j.rows.length)`,
		env.Namespace), chromedp.EvalAwaitPromise))
	if err != nil || table != "Table:1" {
		t.Errorf("list as a Table from the page: %q %v, want Table:1", table, err)
	}
	env.Screenshot(t, ctx, "logged-in")
}

// TestHostChecked: a site that rebinds its name to 127.0.0.1 gets 403,
// even with the token, as does any other Host.
func TestHostChecked(t *testing.T) {
	env := framework.New(t)
	port := env.Dashboard.Server.Port()
	bearer := map[string]string{"Authorization": "Bearer " + env.Dashboard.Token}
	for _, host := range []string{fmt.Sprintf("rebind.example:%d", port), "127.0.0.1:1", "127.0.0.1"} {
		if status, body := get(t, env, http.MethodGet, "/config.json", host, bearer, ""); status != http.StatusForbidden || !strings.Contains(body, "Host") {
			t.Errorf("Host %s: %d %q, want 403 naming the Host", host, status, body)
		}
	}
	for _, host := range []string{fmt.Sprintf("localhost:%d", port), fmt.Sprintf("127.0.0.1:%d", port)} {
		if status, _ := get(t, env, http.MethodGet, "/config.json", host, bearer, ""); status != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, status)
		}
	}

	// DNS rebinding as a browser sees it: the attacker's name resolves to
	// 127.0.0.1.
	ctx := env.NewBrowser(t, framework.BrowserOptions{Flags: map[string]any{"host-resolver-rules": "MAP rebind.example 127.0.0.1"}})
	rebound := fmt.Sprintf("http://rebind.example:%d/?token=%s", port, url.QueryEscape(env.Dashboard.Token))
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(rebound))
	if err != nil || resp == nil {
		t.Fatalf("open %s: %v (response %v)", rebound, err, resp)
	}
	if resp.Status != http.StatusForbidden {
		t.Errorf("the rebound name got %d, want 403", resp.Status)
	}
	if text := framework.Text(t, ctx); !strings.Contains(text, "Host") {
		t.Errorf("the rebound page says %q, want the Host refused", text)
	}
	env.Screenshot(t, ctx, "rebound-host")
}

// TestCrossSiteRefused: a page of another local server (another port of
// 127.0.0.1 is the same site, so the browser sends the SameSite=Strict
// cookie) cannot make the dashboard write: its fetch and its form post
// carry its Origin and get 403, and nothing is created.
func TestCrossSiteRefused(t *testing.T) {
	env := framework.New(t)
	target := env.Dashboard.URL + "k8s/apis/ml.example.io/v1alpha1/namespaces/" + env.Namespace + "/pipelineruns"
	body := `{"apiVersion":"ml.example.io/v1alpha1","kind":"PipelineRun","metadata":{"name":"csrf"},"spec":{"suspend":true,"pipelineSpec":{"tasks":[{"name":"a","image":"busybox","command":["true"]}]}}}`
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><body>
<form id="f" method="POST" enctype="text/plain" action="%s" target="sink"><input name='%s' value='"}'></form>
<iframe name="sink"></iframe>
<script>
fetch(%s, {method: 'POST', mode: 'no-cors', credentials: 'include', headers: {'Content-Type': 'text/plain'}, body: %s})
  .catch(() => {}).finally(() => { document.getElementById('f').submit(); document.title = 'sent'; });
</script></body>`, target, strings.TrimSuffix(body, "}")+`, "x":"`, jsString(target), jsString(body))
	}))
	defer evil.Close()

	ctx := env.Browser(t)
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	responses := chromedp.Events(tctx, network.ResponseReceived)
	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
		t.Fatal(err)
	}
	// Both requests reach the dashboard and are refused by it: 403 (the
	// API server would answer 415 to text/plain, and 201 to a write it
	// accepted).
	refused := 0
	for ev, err := range responses {
		if err != nil || tctx.Err() != nil {
			t.Fatalf("saw %d refused requests before %v", refused, err)
		}
		if ev.Response.URL != target {
			continue
		}
		if ev.Response.Status != http.StatusForbidden {
			t.Errorf("a cross-site %s got %d, want 403", ev.Type, ev.Response.Status)
		}
		if refused++; refused == 2 {
			break
		}
	}
	list, err := env.Client.MlV1alpha1().PipelineRuns(env.Namespace).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Errorf("a cross-site page created %d pipelineruns", len(list.Items))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
