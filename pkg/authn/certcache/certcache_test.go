package certcache

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authentication/user"
	testingclock "k8s.io/utils/clock/testing"
)

// counting answers with the certificate's first byte as the user name
// and counts its calls.
type counting struct {
	calls  int
	answer func(*http.Request) (*authenticator.Response, bool, error)
}

func (c *counting) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	c.calls++
	return c.answer(req)
}

func byCert(req *http.Request) (*authenticator.Response, bool, error) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous}}, true, nil
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: string(req.TLS.PeerCertificates[0].Raw)}}, true, nil
}

func certRequest(t *testing.T, raw string, notAfter time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1/apis", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{{Raw: []byte(raw), NotAfter: notAfter}}}
	return req
}

func TestCertCache(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	later := clk.Now().Add(time.Hour)
	authenticate := func(t *testing.T, a authenticator.Request, req *http.Request) string {
		t.Helper()
		resp, ok, err := a.AuthenticateRequest(req)
		if err != nil || !ok {
			return ""
		}
		return resp.User.GetName()
	}

	t.Run("the same chain is verified once per TTL", func(t *testing.T) {
		inner := &counting{answer: byCert}
		a := newWithClock(inner, nil, 10*time.Second, clk)
		for range 3 {
			if got := authenticate(t, a, certRequest(t, "admin", later)); got != "admin" {
				t.Fatalf("user %q, want admin", got)
			}
		}
		if got := authenticate(t, a, certRequest(t, "writer", later)); got != "writer" {
			t.Fatalf("another certificate gets its own answer, got %q", got)
		}
		if inner.calls != 2 {
			t.Errorf("inner called %d times, want 2 (once per certificate)", inner.calls)
		}
		clk.Step(11 * time.Second)
		authenticate(t, a, certRequest(t, "admin", later))
		if inner.calls != 3 {
			t.Errorf("after the TTL the chain is verified again: %d calls, want 3", inner.calls)
		}
	})

	t.Run("never trusted past NotAfter", func(t *testing.T) {
		inner := &counting{answer: byCert}
		a := newWithClock(inner, nil, 10*time.Second, clk)
		soon := clk.Now().Add(2 * time.Second)
		authenticate(t, a, certRequest(t, "admin", soon))
		clk.Step(3 * time.Second)
		authenticate(t, a, certRequest(t, "admin", soon))
		if inner.calls != 2 {
			t.Errorf("inner called %d times, want 2: the entry must end at NotAfter", inner.calls)
		}
	})

	t.Run("failures are not cached", func(t *testing.T) {
		fail := true
		inner := &counting{answer: func(req *http.Request) (*authenticator.Response, bool, error) {
			if fail {
				return nil, false, errors.New("x509: certificate signed by unknown authority")
			}
			return byCert(req)
		}}
		a := newWithClock(inner, nil, 10*time.Second, clk)
		if got := authenticate(t, a, certRequest(t, "admin", later)); got != "" {
			t.Fatalf("a refused certificate authenticated as %q", got)
		}
		fail = false
		if got := authenticate(t, a, certRequest(t, "admin", later)); got != "admin" {
			t.Errorf("user %q after the failure, want admin", got)
		}
	})

	t.Run("requests not authenticated by their certificate alone bypass the cache", func(t *testing.T) {
		inner := &counting{answer: byCert}
		a := newWithClock(inner, nil, 10*time.Second, clk)
		for range 2 {
			req := certRequest(t, "admin", later)
			req.Header.Set("Authorization", "Bearer token")
			authenticate(t, a, req)
		}
		for range 2 {
			req := certRequest(t, "admin", later)
			req.Header.Set("Sec-WebSocket-Protocol", "v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.dG9rZW4")
			authenticate(t, a, req)
		}
		for range 2 {
			req := certRequest(t, "", later)
			req.TLS = nil
			if got := authenticate(t, a, req); got != user.Anonymous {
				t.Fatalf("user %q, want anonymous", got)
			}
		}
		if inner.calls != 6 {
			t.Errorf("inner called %d times, want 6", inner.calls)
		}
	})

	t.Run("a cached answer cannot be changed by a caller", func(t *testing.T) {
		a := newWithClock(&counting{answer: byCert}, nil, 10*time.Second, clk)
		resp, _, _ := a.AuthenticateRequest(certRequest(t, "admin", later))
		resp.User = &user.DefaultInfo{Name: "mallory"}
		if got := authenticate(t, a, certRequest(t, "admin", later)); got != "admin" {
			t.Errorf("user %q, want admin", got)
		}
	})
}

// byHeader answers as a front proxy's request-header authenticator does:
// the user and groups the headers name, for the proxy's certificate.
func byHeader(req *http.Request) (*authenticator.Response, bool, error) {
	extra := map[string][]string{}
	for name, v := range req.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-remote-extra-") {
			extra[strings.ToLower(name[len("x-remote-extra-"):])] = v
		}
	}
	return &authenticator.Response{User: &user.DefaultInfo{
		Name: req.Header.Get("X-Remote-User"), Groups: req.Header.Values("X-Remote-Group"), Extra: extra,
	}}, true, nil
}

func TestCertCacheFrontProxyHeaders(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	later := clk.Now().Add(time.Hour)
	fixed := func(v ...string) headerrequest.StringSliceProvider {
		return headerrequest.StringSliceProviderFunc(func() []string { return v })
	}
	rh := &authenticatorfactory.RequestHeaderConfig{
		UsernameHeaders:     fixed("X-Remote-User"),
		UIDHeaders:          fixed("X-Remote-Uid"),
		GroupHeaders:        fixed("X-Remote-Group"),
		ExtraHeaderPrefixes: fixed("X-Remote-Extra-"),
	}
	inner := &counting{answer: byHeader}
	a := newWithClock(inner, rh, 10*time.Second, clk)
	proxied := func(user string, groups []string, extra map[string]string) *http.Request {
		req := certRequest(t, "front-proxy", later)
		req.Header.Set("X-Remote-User", user)
		for _, g := range groups {
			req.Header.Add("X-Remote-Group", g)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		return req
	}
	answer := func(req *http.Request) user.Info {
		t.Helper()
		resp, ok, err := a.AuthenticateRequest(req)
		if err != nil || !ok {
			t.Fatalf("authenticate: ok=%v err=%v", ok, err)
		}
		return resp.User
	}

	if u := answer(proxied("alice", []string{"dev"}, nil)); u.GetName() != "alice" {
		t.Fatalf("user %q, want alice", u.GetName())
	}
	if u := answer(proxied("alice", []string{"dev"}, nil)); u.GetName() != "alice" || inner.calls != 1 {
		t.Fatalf("the same user through the same proxy: user %q after %d calls, want alice from the cache", u.GetName(), inner.calls)
	}
	// Every header the front-proxy authenticator reads is part of the key.
	for _, tc := range []struct {
		name string
		req  *http.Request
		want func(user.Info) bool
	}{
		{"another user", proxied("bob", []string{"dev"}, nil), func(u user.Info) bool { return u.GetName() == "bob" }},
		{"another group", proxied("alice", []string{"system:masters"}, nil), func(u user.Info) bool { return slices.Equal(u.GetGroups(), []string{"system:masters"}) }},
		{"one more group", proxied("alice", []string{"dev", "ops"}, nil), func(u user.Info) bool { return len(u.GetGroups()) == 2 }},
		{"an extra", proxied("alice", []string{"dev"}, map[string]string{"X-Remote-Extra-Scopes": "view"}), func(u user.Info) bool { return u.GetExtra()["scopes"] != nil }},
		{"an extra in other case", proxied("alice", []string{"dev"}, map[string]string{"x-remote-extra-scopes": "edit"}), func(u user.Info) bool { return slices.Equal(u.GetExtra()["scopes"], []string{"edit"}) }},
	} {
		calls := inner.calls
		if u := answer(tc.req); !tc.want(u) || inner.calls != calls+1 {
			t.Errorf("%s: got %+v after %d new calls, want a fresh answer", tc.name, u, inner.calls-calls)
		}
	}
	// Other headers are not part of it.
	calls := inner.calls
	req := proxied("alice", []string{"dev"}, map[string]string{"User-Agent": "kubectl", "X-Other": "1"})
	if u := answer(req); u.GetName() != "alice" || inner.calls != calls {
		t.Errorf("headers the authenticator does not read made a miss: %d new calls", inner.calls-calls)
	}
}
