package standalone

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func startTestEtcd(t *testing.T) *Etcd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e, err := StartEtcd(ctx, EtcdOptions{Dir: filepath.Join(t.TempDir(), "etcd"), UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// TestEmbeddedEtcdAcceptsOnlyTheServer connects to both listeners of the
// embedded etcd without the server's client certificate (plain, TLS
// without a certificate, TLS with a certificate of the API's CA) and is
// refused, while the server's credentials work.
func TestEmbeddedEtcdAcceptsOnlyTheServer(t *testing.T) {
	e := startTestEtcd(t)
	ctx := t.Context()

	server, err := e.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Close() }()
	if _, err := server.Put(ctx, "/registry/ml.example.io/trainingjobs/ns/a", "x"); err != nil {
		t.Fatalf("the server's client: %v", err)
	}

	clientHost := strings.TrimPrefix(e.ClientURL(), "https://")
	b, err := os.ReadFile(filepath.Join(e.dir, "peer-port"))
	if err != nil {
		t.Fatal(err)
	}
	peerHost := "127.0.0.1:" + strings.TrimSpace(string(b))

	apiPKI := PKI{Dir: t.TempDir()}
	if err := apiPKI.Ensure([]string{"localhost"}, nil); err != nil {
		t.Fatal(err)
	}
	adminCert, err := tls.LoadX509KeyPair(apiPKI.AdminCertFile(), apiPKI.AdminKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	tlsConfigs := map[string]*tls.Config{
		"TLS without a certificate":   {InsecureSkipVerify: true},
		"TLS with the API admin cert": {InsecureSkipVerify: true, Certificates: []tls.Certificate{adminCert}},
	}

	for _, host := range []string{clientHost, peerHost} {
		if err := getWith(ctx, clientv3.Config{Endpoints: []string{"http://" + host}}); err == nil {
			t.Errorf("etcd Get on http://%s succeeded, want refused", host)
		}
		for name, cfg := range tlsConfigs {
			if err := getWith(ctx, clientv3.Config{Endpoints: []string{"https://" + host}, TLS: cfg}); err == nil {
				t.Errorf("etcd Get on https://%s (%s) succeeded, want refused", host, name)
			}
		}
		for name, cfg := range tlsConfigs {
			hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
			for _, scheme := range []string{"http", "https"} {
				for _, path := range []string{"/v3/kv/range", "/members", "/raft/probing", "/version", "/health"} {
					resp, err := hc.Post(scheme+"://"+host+path, "application/json", strings.NewReader(`{"key":"Lw=="}`))
					if err == nil {
						_ = resp.Body.Close()
						if resp.StatusCode < 400 {
							t.Errorf("POST %s://%s%s (%s): %s, want refused", scheme, host, path, name, resp.Status)
						}
					}
				}
			}
		}
	}
}

func getWith(ctx context.Context, cfg clientv3.Config) error {
	cfg.DialTimeout = 2 * time.Second
	c, err := clientv3.New(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = c.Get(ctx, "/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	return err
}

// TestEmbeddedEtcdFilesAreTheOwners checks the modes: the etcd directory
// is 0700 even when it existed with a looser mode, and keys are 0600.
func TestEmbeddedEtcdFilesAreTheOwners(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := StartEtcd(t.Context(), EtcdOptions{Dir: dir, UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for path, want := range map[string]os.FileMode{
		dir:                              0o700,
		e.PKI().Dir:                      0o700,
		e.PKI().ClientKeyFile():          0o600,
		e.PKI().ServerKeyFile():          0o600,
		filepath.Join(dir, "client-url"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

// TestDialEmbeddedEtcd reaches a running etcd from its directory, and
// says so when none runs.
func TestDialEmbeddedEtcd(t *testing.T) {
	e := startTestEtcd(t)
	c, endpoint, err := DialEmbeddedEtcd(t.Context(), e.dir)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if endpoint != e.ClientURL() {
		t.Errorf("endpoint %q, want %q", endpoint, e.ClientURL())
	}
	e.Close()
	if _, _, err := DialEmbeddedEtcd(t.Context(), e.dir); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close: %v, want a missing client URL", err)
	}
}
