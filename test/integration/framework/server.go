// Package framework starts ml-apiserver in-process, in standalone mode on
// an embedded etcd in a temporary directory, for integration tests.
package framework

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
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
	// Etcd is how the server reaches the etcd of its objects (the
	// embedded etcd's address and client certificate).
	Etcd storagebackend.TransportConfig

	// t is the test that owns the server; nil for a server started by Main,
	// which reports failures by panicking.
	t      testing.TB
	cancel context.CancelFunc
	done   chan error

	// customize changes the options before each start (see
	// StartTestServerWith).
	customize func(*options.Options)
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

// Main starts one server for every test of a package, stores it in
// *server, runs the tests, stops the server and exits with the tests'
// result. Call it from TestMain: a server start costs seconds, so a
// package shares one and gives each test its own namespace (NewNamespace).
func Main(m *testing.M, server **TestServer) {
	os.Exit(runMain(m, server, nil))
}

// MainWith is Main with the server's options changed by customize first
// (for example to turn the controllers on).
func MainWith(m *testing.M, server **TestServer, customize func(*options.Options)) {
	os.Exit(runMain(m, server, customize))
}

// RunWith is MainWith that returns the exit code instead of exiting, for a
// TestMain with more to stop after the tests.
func RunWith(m *testing.M, server **TestServer, customize func(*options.Options)) int {
	return runMain(m, server, customize)
}

func runMain(m *testing.M, server **TestServer, customize func(*options.Options)) (code int) {
	// The local runtime starts the test binary as the launcher of its
	// confined processes: it must become the launcher before any server
	// starts.
	launcher.RunIfLauncher()
	dir, err := os.MkdirTemp("", "ml-apiserver-integration-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create data dir: %v\n", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	defer removeSharedRoot()
	logFile, err := logToFile()
	if err != nil {
		fmt.Fprintf(os.Stderr, "server log: %v\n", err)
		return 1
	}
	defer func() {
		klog.Flush()
		_ = logFile.Close()
		if code == 0 {
			_ = os.Remove(logFile.Name())
			return
		}
		fmt.Fprintf(os.Stderr, "server log: %s\n", logFile.Name())
	}()
	s := &TestServer{DataDir: dir, customize: customize}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "test server: %v\n", r)
			code = 1
		}
	}()
	s.start()
	defer s.Stop()
	*server = s
	return m.Run()
}

// Clientset returns a generated clientset with the admin identity.
func (s *TestServer) Clientset() mlclientset.Interface {
	if s.t != nil {
		s.t.Helper()
	}
	c, err := mlclientset.NewForConfig(s.ClientConfig)
	if err != nil {
		s.fatalf("clientset: %v", err)
	}
	return c
}

// fatalf fails the owning test, or panics for a server started by Main.
func (s *TestServer) fatalf(format string, args ...any) {
	if s.t != nil {
		s.t.Helper()
		s.t.Fatalf(format, args...)
	}
	panic(fmt.Sprintf(format, args...))
}

// logf logs to the owning test, or to stderr for a server started by Main.
func (s *TestServer) logf(format string, args ...any) {
	if s.t != nil {
		s.t.Helper()
		s.t.Logf(format, args...)
		return
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// Restart stops the server and starts it again on the same data directory.
func (s *TestServer) Restart() {
	if s.t != nil {
		s.t.Helper()
	}
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
			s.logf("server exited: %v", err)
		}
	case <-time.After(60 * time.Second):
		s.logf("server did not stop within 60s")
		if s.t != nil {
			s.t.Fail()
		}
	}
	s.cancel = nil
}

func (s *TestServer) start() {
	if s.t != nil {
		s.t.Helper()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.fatalf("listen: %v", err)
	}
	o := options.NewOptions()
	o.Standalone = true
	// Tests drive status themselves: the controllers (and the local
	// runtime they would start processes with) are off unless a test's
	// customize function turns them on.
	o.Controllers.Controllers = nil
	// Failed replicas are replaced after a short back-off, not a Job's
	// 10s: tests that need a longer one set it.
	o.Controllers.Backoff = options.BackoffOptions{Base: 100 * time.Millisecond, Max: time.Second}
	o.DataDir = s.DataDir
	o.EmbeddedEtcdUnsafeNoFsync = true
	o.RecommendedOptions.SecureServing.Listener = ln
	o.RecommendedOptions.SecureServing.BindPort = ln.Addr().(*net.TCPAddr).Port
	if root, err := sharedRoot(); err == nil {
		o.Local.ReadWritePaths = append(o.Local.ReadWritePaths, root)
	}
	if s.customize != nil {
		s.customize(o)
	}
	completed, err := o.Complete()
	if err != nil {
		s.fatalf("complete options: %v", err)
	}
	if err := completed.Validate(); err != nil {
		s.fatalf("validate options: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan error, 1)
	started := make(chan app.ServerInfo, 1)
	go func() {
		s.done <- app.Run(ctx, completed, func(info app.ServerInfo) { started <- info })
	}()
	var info app.ServerInfo
	select {
	case info = <-started:
	case err := <-s.done:
		cancel()
		s.fatalf("server exited before it was ready: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		s.fatalf("server did not start within 90s")
	}
	s.Kubeconfig, s.Address, s.Etcd = info.Kubeconfig, info.Address, info.Etcd
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		s.fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	s.ClientConfig = cfg
	if err := waitReady(ctx, cfg); err != nil {
		s.fatalf("server not ready: %v", err)
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

// logToFile sends the server's klog output to a temporary file, so that
// test failures are not buried in server logs; the file is kept, and named,
// when a test fails.
func logToFile() (*os.File, error) {
	f, err := os.CreateTemp("", "ml-apiserver-integration-*.log")
	if err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for name, value := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL"} {
		if err := fs.Set(name, value); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	klog.SetOutput(f)
	return f, nil
}
