package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/rest"
)

const testToken = "test-token-0123456789"

// upstream is a fake API server that records what reaches it.
type upstream struct {
	*httptest.Server

	mu       sync.Mutex
	requests []*http.Request
	// handle answers a request; nil answers 200 "{}".
	handle func(w http.ResponseWriter, r *http.Request)
}

func newUpstream(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := &upstream{handle: handle}
	u.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.Clone(context.Background()))
		u.mu.Unlock()
		if u.handle != nil {
			u.handle(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) seen() []*http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*http.Request(nil), u.requests...)
}

// restConfig is the user's configuration for the fake API server: a
// bearer token and its CA.
func (u *upstream) restConfig() *rest.Config {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: u.Certificate().Raw})
	return &rest.Config{Host: u.URL, BearerToken: "kube-credential", TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
}

var testAssets = fstest.MapFS{
	"index.html": {Data: []byte(`<!doctype html><script type="module" src="/app.js"></script>`)},
	"app.js":     {Data: []byte(strings.Repeat("console.log('dashboard');\n", 200))},
	"app.css":    {Data: []byte("body{}")},
	"README":     {Data: []byte("not served")},
}

// start runs a dashboard for the fake API server until the test ends.
func start(t *testing.T, u *upstream, assets fstest.MapFS) *Server {
	t.Helper()
	s, err := New(Config{REST: u.restConfig(), Namespace: "team-a", Token: testToken, Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

// client does not follow redirects, so the token flow's 303 is seen.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type request struct {
	method, path string
	host         string
	header       map[string]string
	body         string
}

func do(t *testing.T, s *Server, r request) (*http.Response, string) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), r.method, strings.TrimSuffix(s.URL, "/")+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.host != "" {
		req.Host = r.host
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func bearer() map[string]string { return map[string]string{"Authorization": "Bearer " + testToken} }

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestGuards covers who gets in: the token, the Host and the Origin.
func TestGuards(t *testing.T) {
	u := newUpstream(t, nil)
	s := start(t, u, testAssets)
	port := fmt.Sprint(s.Port())
	cases := []struct {
		name     string
		req      request
		want     int
		wantBody string
	}{
		{name: "no token", req: request{path: "/"}, want: 401, wantBody: "kubectl ml dashboard"},
		{name: "no token, API", req: request{path: "/k8s/api/v1/namespaces"}, want: 401},
		{name: "no token, config", req: request{path: "/config.json"}, want: 401},
		{name: "wrong token in the URL", req: request{path: "/?token=nope"}, want: 401},
		{name: "wrong bearer token", req: request{path: "/", header: map[string]string{"Authorization": "Bearer nope"}}, want: 401},
		{name: "wrong cookie", req: request{path: "/", header: map[string]string{"Cookie": CookieName + "=nope"}}, want: 401},
		{name: "token as another scheme", req: request{path: "/", header: map[string]string{"Authorization": "Basic " + testToken}}, want: 401},
		{name: "bearer token", req: request{path: "/", header: bearer()}, want: 200},
		{name: "cookie", req: request{path: "/", header: map[string]string{"Cookie": CookieName + "=" + testToken}}, want: 200},
		{name: "localhost", req: request{path: "/", host: "localhost:" + port, header: bearer()}, want: 200},
		{name: "ipv6 loopback", req: request{path: "/", host: "[::1]:" + port, header: bearer()}, want: 200},
		{name: "rebinding host", req: request{path: "/", host: "evil.example:" + port, header: bearer()}, want: 403, wantBody: "Host"},
		{name: "another port", req: request{path: "/", host: "127.0.0.1:1", header: bearer()}, want: 403},
		{name: "no port", req: request{path: "/", host: "127.0.0.1", header: bearer()}, want: 403},
		{name: "bad host before the token", req: request{path: "/", host: "evil.example:" + port}, want: 403},
		{name: "cross origin", req: request{path: "/k8s/api", header: with(bearer(), "Origin", "http://evil.example")}, want: 403, wantBody: "cross-origin"},
		{name: "https origin", req: request{path: "/", header: with(bearer(), "Origin", "https://127.0.0.1:"+port)}, want: 403},
		{name: "same origin", req: request{path: "/", header: with(bearer(), "Origin", "http://127.0.0.1:"+port)}, want: 200},
		{name: "post without origin", req: request{method: "POST", path: "/k8s/apis/x", header: bearer(), body: "{}"}, want: 403, wantBody: RequestedWithHeader},
		{name: "delete without origin", req: request{method: "DELETE", path: "/k8s/apis/x", header: bearer()}, want: 403},
		{name: "post with X-Requested-With", req: request{method: "POST", path: "/k8s/apis/x", header: with(bearer(), RequestedWithHeader, RequestedWithValue), body: "{}"}, want: 200},
		{name: "post with another X-Requested-With", req: request{method: "POST", path: "/k8s/apis/x", header: with(bearer(), RequestedWithHeader, "XMLHttpRequest"), body: "{}"}, want: 403},
		{name: "post with same origin", req: request{method: "POST", path: "/k8s/apis/x", header: with(bearer(), "Origin", "http://127.0.0.1:"+port), body: "{}"}, want: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, tc.req)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if !strings.Contains(body, tc.wantBody) {
				t.Errorf("body %q does not say %q", body, tc.wantBody)
			}
			checkHeaders(t, resp)
		})
	}
	// Only the two proxied writes that passed reached the API server.
	if n := len(u.seen()); n != 2 {
		t.Errorf("the API server saw %d requests, want 2", n)
	}
}

// checkHeaders checks the headers of every response.
func checkHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestTokenFlow: the URL's token becomes a cookie and leaves the URL.
func TestTokenFlow(t *testing.T) {
	s := start(t, newUpstream(t, nil), testAssets)
	resp, _ := do(t, s, request{path: "/?token=" + testToken})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	if got := resp.Header.Get("Location"); got != "/" {
		t.Errorf("Location %q, want /", got)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v, want one", cookies)
	}
	c := cookies[0]
	got := fmt.Sprintf("%s=%s path=%s httponly=%v samesite=%v", c.Name, c.Value, c.Path, c.HttpOnly, c.SameSite)
	want := fmt.Sprintf("%s=%s path=/ httponly=true samesite=%v", CookieName, testToken, http.SameSiteStrictMode)
	if got != want {
		t.Errorf("cookie %s, want %s", got, want)
	}
	resp, body := do(t, s, request{path: "/", header: map[string]string{"Cookie": c.Name + "=" + c.Value}})
	if resp.StatusCode != 200 || !strings.Contains(body, "app.js") {
		t.Errorf("with the cookie: %d %q", resp.StatusCode, body)
	}
	// A wrong token sets no cookie.
	resp, _ = do(t, s, request{path: "/?token=x" + testToken})
	if resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
}

// TestProxyStripsCredentials: the browser's cookies, the dashboard token
// and impersonation headers never reach the API server, which sees the
// kubeconfig's credential; its cookies never reach the browser.
func TestProxyStripsCredentials(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "upstream"})
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"Status"}`)
	})
	s := start(t, u, testAssets)
	resp, body := do(t, s, request{path: "/k8s/apis/ml.example.io/v1alpha1/namespaces/a/pipelineruns?limit=5&labelSelector=x%3Dy", header: map[string]string{
		"Cookie":              CookieName + "=" + testToken + "; other=1",
		"Impersonate-User":    "system:admin",
		"Impersonate-Group":   "system:masters",
		"X-Remote-User":       "admin",
		"Accept":              "application/json;as=Table;v=v1;g=meta.k8s.io",
		RequestedWithHeader:   RequestedWithValue,
		"Proxy-Authorization": "Basic eA==",
		"X-Forwarded-For":     "1.2.3.4",
		"Accept-Language":     "en",
	}})
	if resp.StatusCode != 200 || body != `{"kind":"Status"}` {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	for _, h := range []string{"Set-Cookie", "WWW-Authenticate"} {
		if v := resp.Header.Values(h); len(v) > 0 {
			t.Errorf("the response carries %s: %v", h, v)
		}
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	checkHeaders(t, resp)
	seen := u.seen()
	if len(seen) != 1 {
		t.Fatalf("the API server saw %d requests, want 1", len(seen))
	}
	r := seen[0]
	if got, want := r.URL.RequestURI(), "/apis/ml.example.io/v1alpha1/namespaces/a/pipelineruns?limit=5&labelSelector=x%3Dy"; got != want {
		t.Errorf("upstream URI %q, want %q", got, want)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer kube-credential" {
		t.Errorf("upstream Authorization %q, want the kubeconfig's", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json;as=Table;v=v1;g=meta.k8s.io" {
		t.Errorf("upstream Accept %q", got)
	}
	for _, h := range []string{"Cookie", "Impersonate-User", "Impersonate-Group", "X-Remote-User", RequestedWithHeader, "Proxy-Authorization", "X-Forwarded-For"} {
		if v := r.Header.Values(h); len(v) > 0 {
			t.Errorf("upstream got %s: %v", h, v)
		}
	}
}

// TestProxyStreamsWatch: watch events reach the browser one by one, as
// the API server sends them, not when the response ends.
func TestProxyStreamsWatch(t *testing.T) {
	second := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		fmt.Fprintln(w, `{"type":"ADDED","object":{"metadata":{"name":"a"}}}`)
		w.(http.Flusher).Flush()
		select {
		case <-second:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintln(w, `{"type":"MODIFIED","object":{"metadata":{"name":"a"}}}`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	s := start(t, u, testAssets)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"k8s/apis/ml.example.io/v1alpha1/pipelineruns?watch=1", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	lines := bufio.NewScanner(resp.Body)
	// The second event is sent only once the first arrived: a proxy that
	// buffers never shows the first, and the test times out.
	if !lines.Scan() || !strings.Contains(lines.Text(), "ADDED") {
		t.Fatalf("first event: %q %v", lines.Text(), lines.Err())
	}
	close(second)
	if !lines.Scan() || !strings.Contains(lines.Text(), "MODIFIED") {
		t.Fatalf("second event: %q %v", lines.Text(), lines.Err())
	}
}

// TestProxyRefuses: upgrades and pod exec, attach and port-forward, and
// methods other than GET, POST, PUT, PATCH and DELETE never reach the API
// server.
func TestProxyRefuses(t *testing.T) {
	u := newUpstream(t, nil)
	s := start(t, u, testAssets)
	xrw := with(bearer(), RequestedWithHeader, RequestedWithValue)
	cases := []struct {
		name string
		req  request
		want int
	}{
		{"websocket upgrade", request{path: "/k8s/api/v1/namespaces/a/pods/p/log", header: with(bearer(), "Connection", "Upgrade", "Upgrade", "websocket")}, 403},
		{"spdy upgrade", request{method: "POST", path: "/k8s/api/v1/namespaces/a/pods/p/exec?command=sh", header: with(xrw, "Connection", "keep-alive, Upgrade", "Upgrade", "SPDY/3.1")}, 403},
		{"exec", request{method: "POST", path: "/k8s/api/v1/namespaces/a/pods/p/exec?command=sh", header: xrw}, 403},
		{"attach", request{path: "/k8s/api/v1/namespaces/a/pods/p/attach", header: bearer()}, 403},
		{"portforward", request{path: "/k8s/api/v1/namespaces/a/pods/p/portforward/", header: bearer()}, 403},
		{"options", request{method: "OPTIONS", path: "/k8s/api", header: bearer()}, 405},
		{"connect", request{method: "TRACE", path: "/k8s/api", header: xrw}, 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, tc.req)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
		})
	}
	if n := len(u.seen()); n != 0 {
		t.Errorf("the API server saw %d requests, want none", n)
	}
	// An object named like a refused subresource is not refused.
	resp, body := do(t, s, request{path: "/k8s/apis/ml.example.io/v1alpha1/namespaces/a/pipelineruns/exec", header: bearer()})
	if resp.StatusCode != 200 {
		t.Errorf("pipelinerun named exec: %d %s", resp.StatusCode, body)
	}
}

// TestStatic covers the embedded files: gzip, the fallback to index.html
// and the answer when the dashboard was not built.
func TestStatic(t *testing.T) {
	s := start(t, newUpstream(t, nil), testAssets)
	resp, body := do(t, s, request{path: "/app.js", header: bearer()})
	if resp.StatusCode != 200 || body != string(testAssets["app.js"].Data) {
		t.Fatalf("app.js: %d, %d bytes", resp.StatusCode, len(body))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("app.js Content-Type %q", ct)
	}
	// The transport decompresses when it asked for gzip itself; asking
	// explicitly shows the encoding.
	resp, body = do(t, s, request{path: "/app.js", header: with(bearer(), "Accept-Encoding", "gzip")})
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(testAssets["app.js"].Data) {
		t.Errorf("gzip: Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	resp, _ = do(t, s, request{path: "/app.js", header: with(bearer(), "Accept-Encoding", "gzip;q=0")})
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	for _, p := range []string{"/", "/index.html", "/some/page", "/README"} {
		resp, body = do(t, s, request{path: p, header: bearer()})
		if resp.StatusCode != 200 || body != string(testAssets["index.html"].Data) {
			t.Errorf("%s: %d %q, want index.html", p, resp.StatusCode, body)
		}
	}
	resp, _ = do(t, s, request{method: "POST", path: "/", header: with(bearer(), RequestedWithHeader, RequestedWithValue)})
	if resp.StatusCode != 405 {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}

	unbuilt := start(t, newUpstream(t, nil), fstest.MapFS{"README": {Data: []byte("x")}})
	for _, p := range []string{"/", "/app.js"} {
		resp, body = do(t, unbuilt, request{path: p, header: bearer()})
		if resp.StatusCode != 503 || !strings.Contains(body, "dashboard not built: run make build") {
			t.Errorf("not built, %s: %d %q", p, resp.StatusCode, body)
		}
	}
}

// TestUIConfig covers /config.json on both kinds of server.
func TestUIConfig(t *testing.T) {
	cases := []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request)
		want   UIConfig
	}{{
		name: "standalone",
		handle: func(w http.ResponseWriter, r *http.Request) {
			// Standalone mode serves core events, nothing else of
			// the core group.
			if r.URL.Path == "/api/v1" {
				fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"events","namespaced":true,"kind":"Event","verbs":["get","list"]}]}`)
				return
			}
			http.NotFound(w, r)
		},
		want: UIConfig{Namespace: "team-a", Mode: ModeStandalone},
	}, {
		name: "cluster",
		handle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/api/v1":
				fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["get","list"]},{"name":"events","namespaced":true,"kind":"Event","verbs":["get","list"]}]}`)
			case "/apis/authentication.k8s.io/v1/selfsubjectreviews":
				fmt.Fprint(w, `{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","status":{"userInfo":{"username":"alice"}}}`)
			default:
				http.NotFound(w, r)
			}
		},
		want: UIConfig{Namespace: "team-a", User: "alice", Mode: ModeCluster},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, tc.handle)
			s := start(t, u, testAssets)
			tc.want.Server = strings.TrimPrefix(u.URL, "https://")
			resp, body := do(t, s, request{path: "/config.json", header: bearer()})
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%d, Cache-Control %q: %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
			}
			var got UIConfig
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateAddress(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1": true, "127.0.0.2": true, "::1": true, "localhost": true,
		"0.0.0.0": false, "::": false, "192.168.1.2": false, "example.com": false, "": false,
	} {
		if err := ValidateAddress(addr); (err == nil) != ok {
			t.Errorf("ValidateAddress(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
	if _, err := New(Config{REST: &rest.Config{Host: "https://x"}, Address: "0.0.0.0"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("New on 0.0.0.0: %v, want a loopback error", err)
	}
}

func TestNewToken(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if len(a) != 43 || a == b || strings.ContainsAny(a, "+/=") {
		t.Errorf("tokens %q and %q: want 43 base64url characters each, different", a, b)
	}
}

// TestRandomTokenByDefault: without a configured token, each server makes
// its own, and its login URL carries it.
func TestRandomTokenByDefault(t *testing.T) {
	u := newUpstream(t, nil)
	a, err := New(Config{REST: u.restConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	b, err := New(Config{REST: u.restConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	if len(a.Token()) != 43 || a.Token() == b.Token() {
		t.Errorf("tokens %q and %q: want 43 characters each, different", a.Token(), b.Token())
	}
	if want := a.URL + "?token=" + a.Token(); a.LoginURL() != want || !strings.HasPrefix(a.URL, "http://127.0.0.1:") {
		t.Errorf("login URL %q, want %q on 127.0.0.1", a.LoginURL(), want)
	}
}

func TestShortTokenRefused(t *testing.T) {
	u := newUpstream(t, nil)
	_, err := New(Config{REST: u.restConfig(), Token: "short"})
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("New with a 5-character token: %v, want refused", err)
	}
}

// TestProxyStreamsOwnTheirConnection: a watch or a followed log is
// answered with Connection: close, so a browser that aborts it (a page
// change) closes its connection instead of keeping it to drain a stream
// that never ends; other answers keep the connection alive.
func TestProxyStreamsOwnTheirConnection(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{}`)
	})
	s := start(t, u, testAssets)
	for path, wantClose := range map[string]bool{
		"k8s/apis/ml.example.io/v1alpha1/pipelineruns?watch=1":                    true,
		"k8s/apis/ml.example.io/v1alpha1/pipelineruns?watch=true&limit=1":         true,
		"k8s/apis/ml.example.io/v1alpha1/namespaces/a/models/m/log?follow=true":   true,
		"k8s/apis/ml.example.io/v1alpha1/pipelineruns":                            false,
		"k8s/apis/ml.example.io/v1alpha1/namespaces/a/models/m/log?tailLines=200": false,
		"k8s/apis/ml.example.io/v1alpha1/namespaces/a/models/m/log?follow=false":  false,
	} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.Close != wantClose {
			t.Errorf("%s: Connection: close is %v, want %v", path, resp.Close, wantClose)
		}
	}
}
