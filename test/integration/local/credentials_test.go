package local

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	certutil "k8s.io/client-go/util/cert"

	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// metricsPusher posts metrics with a client certificate and key.
type metricsPusher struct {
	client *http.Client
}

// copyCredentials copies the metrics certificate and key of the object
// uid, as a process (or whoever read its files) could, and returns a
// pusher using the copy.
func copyCredentials(t *testing.T, uid types.UID) *metricsPusher {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{standalone.MetricsCertFile, standalone.MetricsKeyFile} {
		data, err := os.ReadFile(filepath.Join(credentialsDir(uid), f))
		if err != nil {
			t.Fatalf("the credentials of the running job: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dst, standalone.MetricsCertFile), filepath.Join(dst, standalone.MetricsKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := certutil.NewPool(filepath.Join(server.DataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca, Certificates: []tls.Certificate{pair}}}
	t.Cleanup(transport.CloseIdleConnections)
	return &metricsPusher{client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

// push posts one point to the metrics of the job ns/name and returns the
// status code and the body of the answer.
func (p *metricsPusher) push(ctx context.Context, t *testing.T, ns, name string) (int, string, error) {
	t.Helper()
	url := fmt.Sprintf("https://%s/apis/ml.example.io/v1alpha1/namespaces/%s/trainingjobs/%s/metrics", server.Address, ns, name)
	body := `{"apiVersion":"ml.example.io/v1alpha1","kind":"Metrics","series":[{"name":"loss","points":[{"step":1,"value":0.5}]}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("POST %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

// waitPush pushes until the answer has the code want (and a body that
// contains reason), or fails the test after timeout.
func (p *metricsPusher) waitPush(ctx context.Context, t *testing.T, timeout time.Duration, ns, name string, want int, reason, what string) {
	t.Helper()
	var code int
	var body string
	var pushErr error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		c, b, err := p.push(ctx, t, ns, name)
		if err != nil {
			pushErr = err
			return false, nil
		}
		code, body, pushErr = c, b, nil
		return code == want && strings.Contains(body, reason), nil
	})
	if err != nil {
		t.Fatalf("%s: got %d %s (last error %v); want %d containing %q", what, code, body, pushErr, want, reason)
	}
}

// A metrics certificate is bound to its object's UID and short-lived: a
// copy of it is refused (403 saying why) once the job is deleted, and
// stays refused for a new job of the same name, whose own certificate
// works.
func TestMetricsCredentialsAreRevokedWithTheirObject(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	dir := framework.SharedDir(t)
	first, err := jobs.Create(ctx, sleeper(ns, "reborn", dir, 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := waitPIDs(t, dir, "replica-0")["replica-0"]
	cert := mustReadCert(t, filepath.Join(credentialsDir(first.UID), standalone.MetricsCertFile))
	if lifetime := cert.NotAfter.Sub(cert.NotBefore); lifetime > standalone.DefaultMetricsCredentialLifetime+time.Hour {
		t.Errorf("the certificate is valid for %v (%v to %v): want at most the default lifetime %v",
			lifetime, cert.NotBefore, cert.NotAfter, standalone.DefaultMetricsCredentialLifetime)
	}
	if !strings.Contains(cert.Subject.CommonName, string(first.UID)) {
		t.Errorf("the certificate is for %q, which does not name the job's uid %s", cert.Subject.CommonName, first.UID)
	}
	stolen := copyCredentials(t, first.UID)
	stolen.waitPush(ctx, t, time.Minute, ns, "reborn", http.StatusCreated, "", "a push of the running job")

	if err := jobs.Delete(ctx, "reborn", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Refused within seconds: authorization checks the object on every
	// request, so the 10 s certificate cache does not delay it.
	stolen.waitPush(ctx, t, 15*time.Second, ns, "reborn", http.StatusForbidden, "no longer exists", "a push with the certificate of the deleted job")
	waitDead(t, "the replica of the deleted job", pid)

	if err := os.Remove(filepath.Join(dir, "replica-0")); err != nil {
		t.Fatal(err)
	}
	second, err := jobs.Create(ctx, sleeper(ns, "reborn", dir, 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = jobs.Delete(context.Background(), "reborn", metav1.DeleteOptions{}) })
	waitPIDs(t, dir, "replica-0")
	if second.UID == first.UID {
		t.Fatalf("the new job has the uid of the old one: %s", second.UID)
	}
	own := copyCredentials(t, second.UID)
	own.waitPush(ctx, t, time.Minute, ns, "reborn", http.StatusCreated, "", "a push of the new job with its own certificate")
	code, body, err := stolen.push(ctx, t, ns, "reborn")
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusForbidden || !strings.Contains(body, fmt.Sprintf("uid %s, which was deleted", first.UID)) {
		t.Errorf("a push into the new job with the certificate of the old one: %d %s; want 403 naming the old uid", code, body)
	}
}

func mustReadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	certs, err := certutil.CertsFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return certs[0]
}
