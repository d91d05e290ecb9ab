package artifactstore

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// hostIPv4 is an address of this host that is not loopback, where a
// stand-in for a proxy of the environment listens; "" when there is none.
func hostIPv4(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// Through a proxy of the server's environment a namespace's store still
// cannot reach a link-local (cloud metadata) or loopback endpoint: the
// proxy would connect to it on the server's behalf, so the endpoint is
// checked before the request is handed over. The proxy itself may be
// anywhere, loopback included, and other endpoints go through it.
func TestDenyLocalThroughAProxy(t *testing.T) {
	ip := hostIPv4(t)
	if ip == "" {
		t.Skip("this host has no non-loopback IPv4 address to resolve a name to")
	}
	for _, proxyOnLoopback := range []bool{false, true} {
		var seen atomic.Int32
		var lastHost atomic.Value
		proxy := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Add(1)
			lastHost.Store(r.URL.Host)
			w.WriteHeader(http.StatusBadGateway)
		}))
		addr := "127.0.0.1:0"
		if !proxyOnLoopback {
			addr = ip + ":0"
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("listen on %s: %v", addr, err)
		}
		proxy.Listener = l
		proxy.Start()
		t.Setenv("HTTP_PROXY", proxy.URL)
		t.Setenv("http_proxy", proxy.URL)
		t.Setenv("NO_PROXY", "")
		t.Setenv("no_proxy", "")
		ctx := context.Background()
		for _, endpoint := range []string{"http://169.254.169.254", "http://169.254.169.254:8080", "http://[fe80::1]:9000", "http://localtest.invalid.localhost"} {
			s, err := New(Config{Type: TypeS3, Endpoint: endpoint, Insecure: true, Bucket: "bucket", DenyLocalAddresses: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Stat(ctx, "ns/x")
			if err == nil || !strings.Contains(err.Error(), "refused for a namespace's Secret") && !strings.Contains(err.Error(), "no such host") {
				t.Errorf("proxy on loopback %v, endpoint %s: %v, want a refusal", proxyOnLoopback, endpoint, err)
			}
		}
		if n := seen.Load(); n != 0 {
			t.Errorf("proxy on loopback %v: the proxy got %d requests, for %v", proxyOnLoopback, n, lastHost.Load())
		}
		// Another endpoint goes through the proxy (the stand-in answers
		// 502): the proxy of the environment is used, and may be local.
		s, err := New(Config{Type: TypeS3, Endpoint: "http://" + ip + ":9", Insecure: true, Bucket: "bucket", DenyLocalAddresses: true})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = s.Stat(ctx, "ns/x")
		if seen.Load() == 0 {
			t.Errorf("proxy on loopback %v: a request to a permitted endpoint did not go through the proxy", proxyOnLoopback)
		}
		proxy.Close()
	}
}
