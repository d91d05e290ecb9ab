// Package auth tests who may talk to a standalone server and what the
// server publishes about itself: authentication by client certificate,
// the admin-only authorizer, health, OpenAPI, metrics and discovery.
package auth

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is shared by every test of the package.
var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}

// trainingJobsPath is a namespaced collection of ml.example.io.
const trainingJobsPath = "/apis/ml.example.io/v1alpha1/namespaces/default/trainingjobs"

// identity is a way to call the server.
type identity struct {
	name   string
	config func(t *testing.T) *rest.Config
}

// admin uses the admin kubeconfig the server wrote.
func admin(t *testing.T) *rest.Config {
	return rest.CopyConfig(server.ClientConfig)
}

// anonymous trusts the server's CA but presents no client certificate.
func anonymous(t *testing.T) *rest.Config {
	return &rest.Config{Host: server.ClientConfig.Host, TLSClientConfig: rest.TLSClientConfig{CAData: server.ClientConfig.CAData}}
}

// user presents a client certificate the server's CA signed for name in
// groups.
func user(name string, groups ...string) func(t *testing.T) *rest.Config {
	return func(t *testing.T) *rest.Config {
		t.Helper()
		return certConfig(t, standalone.PKI{Dir: filepath.Join(server.DataDir, "pki")}, name, groups...)
	}
}

// strangerCA presents a certificate for system:masters signed by a CA the
// server does not know.
func strangerCA(t *testing.T) *rest.Config {
	t.Helper()
	pki := standalone.PKI{Dir: t.TempDir()}
	if err := pki.Ensure([]string{"localhost"}, nil); err != nil {
		t.Fatalf("create another CA: %v", err)
	}
	return certConfig(t, pki, "intruder", standalone.AdminGroup)
}

func certConfig(t *testing.T, pki standalone.PKI, name string, groups ...string) *rest.Config {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := pki.IssueClientCert(name, groups, certFile, keyFile); err != nil {
		t.Fatalf("issue a client certificate for %s: %v", name, err)
	}
	cfg := anonymous(t)
	cfg.CertFile, cfg.KeyFile = certFile, keyFile
	return cfg
}

// get sends GET path with cfg's identity and returns the status code and
// the body.
func get(ctx context.Context, t *testing.T, cfg *rest.Config, path string, header ...string) (int, []byte) {
	t.Helper()
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatalf("http client: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, body
}
