// Package framework starts ml-apiserver in-process, in standalone mode on
// an embedded etcd in a temporary directory, for integration tests.
package framework

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// TestServer is a running in-process ml-apiserver.
type TestServer struct {
	// DataDir is the server's data directory; Restart keeps it.
	DataDir string
	// Kubeconfig is the path of the admin kubeconfig.
	Kubeconfig string
	// ClientConfig is the admin client configuration.
	ClientConfig *rest.Config
	// Address is host:port of the HTTPS listener.
	Address string

	t      testing.TB
	cancel context.CancelFunc
	done   chan error
}

// StartTestServer starts a standalone server on a fresh data directory and
// stops it when the test ends.
func StartTestServer(t testing.TB) *TestServer {
	t.Helper()
	s := &TestServer{DataDir: t.TempDir(), t: t}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Clientset returns a generated clientset with the admin identity.
func (s *TestServer) Clientset() mlclientset.Interface {
	s.t.Helper()
	c, err := mlclientset.NewForConfig(s.ClientConfig)
	if err != nil {
		s.t.Fatalf("clientset: %v", err)
	}
	return c
}

// Restart stops the server and starts it again on the same data directory.
func (s *TestServer) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Stop stops the server and its etcd and waits for them to exit.
func (s *TestServer) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			s.t.Logf("server exited: %v", err)
		}
	case <-time.After(60 * time.Second):
		s.t.Errorf("server did not stop within 60s")
	}
	s.cancel = nil
}

func (s *TestServer) start() {
	t := s.t
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	o := options.NewOptions()
	o.Standalone = true
	o.DataDir = s.DataDir
	o.EmbeddedEtcdUnsafeNoFsync = true
	o.RecommendedOptions.SecureServing.Listener = ln
	o.RecommendedOptions.SecureServing.BindPort = ln.Addr().(*net.TCPAddr).Port
	if err := o.Complete(); err != nil {
		t.Fatalf("complete options: %v", err)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("validate options: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan error, 1)
	started := make(chan string, 1)
	go func() {
		s.done <- app.Run(ctx, o, func(kubeconfig string) { started <- kubeconfig })
	}()
	select {
	case s.Kubeconfig = <-started:
	case err := <-s.done:
		cancel()
		t.Fatalf("server exited before it was ready: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatalf("server did not start within 90s")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	s.ClientConfig = cfg
	s.Address = o.ServingAddress()
	if err := waitReady(ctx, cfg); err != nil {
		t.Fatalf("server not ready: %v", err)
	}
}

func waitReady(ctx context.Context, cfg *rest.Config) error {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/readyz", nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}
