package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

// ProxyPrefix is where the UI reaches the API server: /k8s/<path> is
// /<path> of the API server.
const ProxyPrefix = "/k8s/"

// forwardedHeaders are the only request headers the proxy passes on: the
// browser's cookies, the dashboard's token, impersonation and any other
// credential never reach the API server; the kubeconfig's transport adds
// the user's own.
var forwardedHeaders = []string{"Accept", "Accept-Encoding", "Accept-Language", "Content-Type", "Content-Encoding"}

// refusedSubresources are the pod subresources that would hand the
// browser a shell or a socket in a pod: refused even without an upgrade
// header.
var refusedSubresources = map[string]bool{"exec": true, "attach": true, "portforward": true}

// newProxy returns the reverse proxy to the API server of config, with
// its credentials. Responses are flushed as they come, so watches and log
// follows stream.
func newProxy(config *rest.Config, streams *atomic.Int64) (http.Handler, error) {
	target, err := apiServerURL(config)
	if err != nil {
		return nil, err
	}
	transport, err := rest.TransportFor(config)
	if err != nil {
		return nil, fmt.Errorf("transport for %s: %w", target, err)
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			out := pr.Out
			out.URL.Scheme = target.Scheme
			out.URL.Host = target.Host
			out.URL.Path = strings.TrimSuffix(target.Path, "/") + "/" + strings.TrimPrefix(pr.In.URL.Path, ProxyPrefix)
			out.URL.RawPath = ""
			out.URL.RawQuery = pr.In.URL.RawQuery
			out.Host = ""
			in := out.Header
			out.Header = http.Header{}
			for _, name := range forwardedHeaders {
				if v, ok := in[name]; ok {
					out.Header[name] = v
				}
			}
		},
		Transport:     transport,
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Del("Set-Cookie")
			// A 401 of the API server must not make the browser ask
			// for a password.
			resp.Header.Del("WWW-Authenticate")
			resp.Header.Set("Cache-Control", "no-store")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "Bad gateway: the API server did not answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	return guardProxy(p, streams), nil
}

// guardProxy refuses what the dashboard never does: methods other than
// GET, POST, PUT, PATCH and DELETE (405), and upgrades and the exec,
// attach and portforward subresources (403). streams counts the streams
// (watches, log follows) being served.
func guardProxy(next http.Handler, streams *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			w.Header().Set("Allow", "GET, POST, PUT, PATCH, DELETE")
			http.Error(w, "Method not allowed: the dashboard proxy forwards GET, POST, PUT, PATCH and DELETE.", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Upgrade") != "" || headerHasToken(r.Header, "Connection", "upgrade") {
			http.Error(w, "Forbidden: the dashboard proxy does not upgrade connections (exec, attach, port-forward).", http.StatusForbidden)
			return
		}
		if sub := podSubresource(r.URL.Path); refusedSubresources[sub] {
			http.Error(w, "Forbidden: the dashboard proxy does not forward pods/"+sub+".", http.StatusForbidden)
			return
		}
		if isStream(r) {
			// A browser that aborts a streaming response on a keep-alive
			// connection may keep the connection to drain it, and a watch
			// never ends: after a few page changes its six connections to
			// the dashboard are all held by streams nobody reads, and every
			// other request waits. A stream's connection is used for that
			// stream only, so an abort closes it.
			w.Header().Set("Connection", "close")
			streams.Add(1)
			defer streams.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// isStream says whether r asks for a response that lasts: a watch or a
// followed log.
func isStream(r *http.Request) bool {
	q := r.URL.Query()
	for _, k := range []string{"watch", "follow"} {
		if v := strings.ToLower(q.Get(k)); v == "1" || v == "true" {
			return true
		}
	}
	return strings.Contains(r.URL.Path, "/watch/")
}

// podSubresource is the subresource of a path .../pods/NAME/SUB, or "".
func podSubresource(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if n := len(segs); n >= 3 && segs[n-3] == "pods" {
		return strings.ToLower(segs[n-1])
	}
	return ""
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// apiServerURL is the URL of config's API server, with the path prefix it
// may have.
func apiServerURL(config *rest.Config) (*url.URL, error) {
	host := config.Host
	if host == "" {
		return nil, fmt.Errorf("the kubeconfig names no server")
	}
	if !strings.Contains(host, "://") {
		if config.TLSClientConfig.CAFile != "" || len(config.TLSClientConfig.CAData) > 0 || config.TLSClientConfig.Insecure {
			host = "https://" + host
		} else {
			host = "http://" + host
		}
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("server %q of the kubeconfig: %w", config.Host, err)
	}
	return u, nil
}
