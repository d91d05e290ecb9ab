package dashboard

import (
	"net"
	"net/http"
	"strconv"
)

// ContentSecurityPolicy is sent with every response: scripts and
// connections only from the dashboard itself, artifacts (Markdown, HTML)
// only in sandboxed frames of blob: or data: URLs, and no framing of the
// dashboard by other sites.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob: data:; object-src 'none'; " +
	"base-uri 'none'; frame-ancestors 'none'"

// RequestedWithHeader is the header, with RequestedWithValue, that the UI
// sends on every fetch: a request that changes anything needs it or an
// Origin header, which a cross-site form cannot forge.
const (
	RequestedWithHeader = "X-Requested-With"
	RequestedWithValue  = "ml-dashboard"
)

// withHeaders sets the headers every response carries.
func withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// withHostAndOrigin refuses, with 403, requests whose Host is not the
// loopback address and port the server listens on (a DNS-rebinding site
// sends its own name), requests from another origin, and requests that
// change something without Origin or X-Requested-With.
func (s *Server) withHostAndOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.allowedHost(r.Host) {
			http.Error(w, "Forbidden: the Host header must be 127.0.0.1, localhost or [::1] with the dashboard's port.", http.StatusForbidden)
			return
		}
		origin := r.Header.Get("Origin")
		if origin != "" && origin != "http://"+r.Host {
			http.Error(w, "Forbidden: cross-origin request.", http.StatusForbidden)
			return
		}
		if origin == "" && !safeMethod(r.Method) && r.Header.Get(RequestedWithHeader) != RequestedWithValue {
			http.Error(w, "Forbidden: a "+r.Method+" request needs an Origin header or "+RequestedWithHeader+": "+RequestedWithValue+".", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedHost is true for 127.0.0.1:PORT, localhost:PORT and [::1]:PORT
// with the server's port.
func (s *Server) allowedHost(host string) bool {
	h, port, err := net.SplitHostPort(host)
	if err != nil || port != strconv.Itoa(s.port) {
		return false
	}
	switch h {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
