package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Config is what a dashboard server is made of.
type Config struct {
	// REST is the user's client configuration (from the kubeconfig): the
	// proxy sends every API call with its credentials.
	REST *rest.Config
	// Namespace is the namespace the UI opens (the kubeconfig's).
	Namespace string
	// Address is the loopback address to listen on (default 127.0.0.1).
	Address string
	// Port to listen on; 0 picks a free one.
	Port int
	// Token is the secret of the URL, at least MinTokenLength characters;
	// empty makes a random one.
	Token string
	// Assets are the static files; nil means the embedded build.
	Assets fs.FS
}

// MinTokenLength is the shortest token New accepts.
const MinTokenLength = 16

// Server is a dashboard listening on a loopback address.
type Server struct {
	// URL is the dashboard's address without the token.
	URL string

	token    string
	port     int
	listener net.Listener
	handler  http.Handler
	streams  atomic.Int64
}

// New checks the configuration, listens and builds the handler; Serve
// serves it.
func New(c Config) (*Server, error) {
	if c.REST == nil {
		return nil, errors.New("no client configuration")
	}
	addr := c.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	if err := ValidateAddress(addr); err != nil {
		return nil, err
	}
	if c.Port < 0 || c.Port > 65535 {
		return nil, fmt.Errorf("port %d: must be 0 (any free port) to 65535", c.Port)
	}
	token := c.Token
	if token != "" && len(token) < MinTokenLength {
		return nil, fmt.Errorf("token: %d characters, want at least %d: it is all that keeps others from your credentials", len(token), MinTokenLength)
	}
	if token == "" {
		var err error
		if token, err = NewToken(); err != nil {
			return nil, err
		}
	}
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	restConfig := rest.CopyConfig(c.REST)
	if restConfig.UserAgent == "" {
		restConfig.UserAgent = "kubectl-ml-dashboard"
	}
	s := &Server{token: token}
	proxy, err := newProxy(restConfig, &s.streams)
	if err != nil {
		return nil, err
	}
	target, _ := apiServerURL(restConfig)
	kube, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, err
	}
	assets := c.Assets
	if assets == nil {
		assets = Assets()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(c.Port)))
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.listener, s.port = ln, ln.Addr().(*net.TCPAddr).Port
	host := addr
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		host = "[" + addr + "]"
	}
	s.URL = "http://" + host + ":" + strconv.Itoa(s.port) + "/"

	mux := http.NewServeMux()
	mux.Handle(ProxyPrefix, proxy)
	mux.Handle("/config.json", &uiConfig{namespace: ns, server: target.Host, kube: kube})
	mux.Handle("/", newStatic(assets))
	s.handler = withHeaders(s.withHostAndOrigin(s.withToken(mux)))
	return s, nil
}

// ValidateAddress accepts loopback addresses only: the dashboard acts with
// the user's credentials, so it never listens where others can reach it.
func ValidateAddress(addr string) error {
	if addr == "localhost" {
		return nil
	}
	ip := net.ParseIP(addr)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: the dashboard listens on a loopback address only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// Token is the secret of the dashboard's URL.
func (s *Server) Token() string { return s.token }

// Streams is the number of streams (watches, log follows) the proxy is
// serving now.
func (s *Server) Streams() int { return int(s.streams.Load()) }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.port }

// LoginURL is the URL to open: URL with the token, which the first visit
// trades for a cookie.
func (s *Server) LoginURL() string {
	return s.URL + "?" + tokenParam + "=" + url.QueryEscape(s.token)
}

// Handler is the server's handler, guards included.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves until ctx ends, then closes the listener and waits a
// moment for requests in flight; streams (watches, log follows) end with
// the context.
func (s *Server) Serve(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the listener of a server that never served.
func (s *Server) Close() error { return s.listener.Close() }
