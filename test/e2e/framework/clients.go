package framework

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// Config returns the admin client configuration for kube-apiserver.
func (c *Cluster) Config() *rest.Config {
	return rest.CopyConfig(c.config)
}

// ConfigAs returns the admin configuration impersonating user in groups
// (system:authenticated is added by the server).
func (c *Cluster) ConfigAs(user string, groups ...string) *rest.Config {
	cfg := c.Config()
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return cfg
}

// MLAPIServerConfig returns the admin configuration pointed at ml-apiserver
// itself, bypassing kube-apiserver: its URL and CA come from local-up.env.
// ml-apiserver authenticates the admin's client certificate with the client
// CA kube-apiserver publishes in kube-system/extension-apiserver-authentication.
// The test is skipped when the cluster was not started by hack/local-up.sh.
func (c *Cluster) MLAPIServerConfig(t testing.TB) *rest.Config {
	t.Helper()
	url, ca := c.Env["ML_APISERVER_URL"], c.Env["ML_APISERVER_CA_FILE"]
	if url == "" || ca == "" {
		t.Skip("ml-apiserver's address is unknown: the cluster was not started by hack/local-up.sh")
	}
	cfg := c.Config()
	cfg.Host = url
	cfg.TLSClientConfig.CAFile, cfg.TLSClientConfig.CAData = ca, nil
	cfg.TLSClientConfig.ServerName = ""
	return cfg
}

// Kube returns a clientset for the built-in APIs with cfg.
func Kube(t testing.TB, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("kubernetes clientset: %v", err)
	}
	return cs
}

// ML returns the generated ml.example.io clientset with cfg.
func ML(t testing.TB, cfg *rest.Config) mlclientset.Interface {
	t.Helper()
	cs, err := mlclientset.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("ml.example.io clientset: %v", err)
	}
	return cs
}

// Dynamic returns a dynamic client with cfg.
func Dynamic(t testing.TB, cfg *rest.Config) dynamic.Interface {
	t.Helper()
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	return dc
}

// Response is a raw HTTP response.
type Response struct {
	Code        int
	ContentType string
	Body        []byte
}

// Get sends GET path to cfg's server with cfg's identity and the given
// header pairs, and returns the response; a transport error fails the test.
func Get(ctx context.Context, t testing.TB, cfg *rest.Config, path string, header ...string) Response {
	t.Helper()
	resp, err := TryGet(ctx, cfg, path, header...)
	if err != nil {
		t.Fatalf("GET %s%s: %v", cfg.Host, path, err)
	}
	return resp
}

// TryGet is Get returning transport errors, for polling.
func TryGet(ctx context.Context, cfg *rest.Config, path string, header ...string) (Response, error) {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return Response{}, fmt.Errorf("http client: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
	if err != nil {
		return Response{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("read body: %w", err)
	}
	return Response{Code: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, nil
}

// Disruptive skips a test that stops or restarts processes of the cluster
// unless the cluster is one this run started, or ML_E2E_DISRUPTIVE=true
// allows it on an existing local-up cluster.
func (c *Cluster) Disruptive(t testing.TB) {
	t.Helper()
	if c.LocalUpDir == "" {
		t.Skip("disruptive test: the cluster was not started by hack/local-up.sh")
	}
	if !c.Owned && os.Getenv(DisruptiveEnv) != "true" {
		t.Skipf("disruptive test on an existing cluster: set %s=true to run it", DisruptiveEnv)
	}
}
