package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
)

// server is an in-process standalone ml-apiserver and a client of its
// embedded etcd.
type server struct {
	config *rest.Config
	etcd   *clientv3.Client
}

// startServer starts ml-apiserver in standalone mode on a fresh data
// directory, with fsync on in the embedded etcd as in production, and stops
// it when the benchmark ends. Unlike the integration test framework it
// runs with fsync on.
func startServer(b *testing.B, customize ...func(*options.Options)) *server {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	o := options.NewOptions()
	o.Standalone = true
	// The benchmark measures the API: no controller runs its objects,
	// unless customize turns them on.
	o.Controllers.Controllers = nil
	for _, c := range customize {
		c(o)
	}
	o.DataDir = b.TempDir()
	o.EmbeddedEtcdUnsafeNoFsync = false
	o.RecommendedOptions.SecureServing.Listener = ln
	o.RecommendedOptions.SecureServing.BindPort = ln.Addr().(*net.TCPAddr).Port
	completed, err := o.Complete()
	if err != nil {
		b.Fatalf("complete options: %v", err)
	}
	if err := completed.Validate(); err != nil {
		b.Fatalf("validate options: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	started := make(chan app.ServerInfo, 1)
	go func() { done <- app.Run(ctx, completed, func(info app.ServerInfo) { started <- info }) }()
	b.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				b.Logf("server exited: %v", err)
			}
		case <-time.After(60 * time.Second):
			b.Errorf("server did not stop within 60s")
		}
	})
	var info app.ServerInfo
	select {
	case info = <-started:
	case err := <-done:
		b.Fatalf("server exited before it was ready: %v", err)
	case <-time.After(90 * time.Second):
		b.Fatalf("server did not start within 90s")
	}
	// The embedded etcd's URL and client certificate.
	transport := info.Etcd
	if len(transport.ServerList) == 0 {
		b.Fatal("no embedded etcd endpoint in the server's information")
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", info.Kubeconfig)
	if err != nil {
		b.Fatalf("load kubeconfig: %v", err)
	}
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	cfg.QPS, cfg.Burst = 1e6, 1e6
	if err := waitReady(ctx, cfg); err != nil {
		b.Fatalf("server not ready: %v", err)
	}

	etcd, err := (&options.DataStoreOptions{}).NewEtcdClient(transport)
	if err != nil {
		b.Fatalf("etcd client: %v", err)
	}
	b.Cleanup(func() { _ = etcd.Close() })
	return &server{config: cfg, etcd: etcd}
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
