package standalone

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
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
		a := withCertCache(inner, 10*time.Second, clk)
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
		a := withCertCache(inner, 10*time.Second, clk)
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
		a := withCertCache(inner, 10*time.Second, clk)
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
		a := withCertCache(inner, 10*time.Second, clk)
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
		a := withCertCache(&counting{answer: byCert}, 10*time.Second, clk)
		resp, _, _ := a.AuthenticateRequest(certRequest(t, "admin", later))
		resp.User = &user.DefaultInfo{Name: "mallory"}
		if got := authenticate(t, a, certRequest(t, "admin", later)); got != "admin" {
			t.Errorf("user %q, want admin", got)
		}
	})
}
