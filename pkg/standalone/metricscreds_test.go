package standalone

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

func newTestCredentials(t *testing.T, lifetime time.Duration) (*MetricsCredentials, *clocktesting.FakePassiveClock) {
	t.Helper()
	pki := PKI{Dir: t.TempDir()}
	if err := pki.Ensure([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	clock := clocktesting.NewFakePassiveClock(time.Now())
	return &MetricsCredentials{PKI: pki, Lifetime: lifetime, Clock: clock}, clock
}

// loadPair reads the certificate and checks that it matches the key.
func loadPair(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, MetricsCertFile), filepath.Join(dir, MetricsKeyFile))
	if err != nil {
		t.Fatalf("the certificate and key in %s: %v", dir, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// A metrics certificate names the object's UID, is valid for the
// lifetime only, and is renewed (same key, new certificate) once half of
// it has passed, while its directory (its object) exists.
func TestMetricsCredentialsAreShortLivedAndRenewed(t *testing.T) {
	creds, clock := newTestCredentials(t, time.Hour)
	dir := filepath.Join(t.TempDir(), "uid-1")
	certFile, keyFile, err := creds.Ensure("ns", "trainingjobs", "a", "uid-1", dir)
	if err != nil {
		t.Fatal(err)
	}
	if certFile != filepath.Join(dir, MetricsCertFile) || keyFile != filepath.Join(dir, MetricsKeyFile) {
		t.Errorf("files %s, %s; want metrics.crt and metrics.key in %s", certFile, keyFile, dir)
	}
	first := loadPair(t, dir)
	if want := MetricsWriterUser("ns", "trainingjobs", "a", "uid-1"); first.Subject.CommonName != want {
		t.Errorf("user %q, want %q", first.Subject.CommonName, want)
	}
	if got, want := first.NotAfter, clock.Now().Add(time.Hour); got.Sub(want).Abs() > time.Second {
		t.Errorf("NotAfter %v, want %v: the lifetime", got, want)
	}
	key, _ := os.ReadFile(keyFile)

	// Before half of the lifetime: nothing to renew.
	clock.SetTime(clock.Now().Add(29 * time.Minute))
	if err := creds.Renew(map[types.UID]string{"uid-1": dir}); err != nil {
		t.Fatal(err)
	}
	if got := loadPair(t, dir); got.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Errorf("renewed after 29 minutes of a 1h lifetime")
	}

	// Past half of it: renewed, for the same object, with the same key.
	clock.SetTime(clock.Now().Add(2 * time.Minute))
	if err := creds.Renew(map[types.UID]string{"uid-1": dir, "uid-gone": filepath.Join(t.TempDir(), "uid-gone")}); err != nil {
		t.Fatal(err)
	}
	renewed := loadPair(t, dir)
	if renewed.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatalf("not renewed after 31 minutes of a 1h lifetime")
	}
	if got, want := renewed.NotAfter, clock.Now().Add(time.Hour); got.Sub(want).Abs() > time.Second {
		t.Errorf("renewed NotAfter %v, want %v", got, want)
	}
	if renewed.Subject.CommonName != first.Subject.CommonName {
		t.Errorf("renewed for %q, want %q", renewed.Subject.CommonName, first.Subject.CommonName)
	}
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, key) {
		t.Errorf("the key changed: a process reading the pair during a renewal could get a mismatched one")
	}
	roots := x509.NewCertPool()
	roots.AddCert(mustCert(t, creds.PKI.CACertFile()))
	if _, err := renewed.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: clock.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the renewed certificate does not verify: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left in %s: %v; want only the certificate and the key", dir, entries)
	}
}

// A certificate of an earlier version (ten years, no UID in its name) or
// of a longer lifetime is replaced at once.
func TestMetricsCredentialsReplaceLongLivedCertificates(t *testing.T) {
	creds, clock := newTestCredentials(t, time.Hour)
	dir := filepath.Join(t.TempDir(), "uid-1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := "ml.example.io:metrics-writer:ns:trainingjobs:a"
	if err := creds.PKI.IssueClientCert(old, []string{MetricsWriterGroup}, filepath.Join(dir, MetricsCertFile), filepath.Join(dir, MetricsKeyFile)); err != nil {
		t.Fatal(err)
	}
	if err := creds.Renew(map[types.UID]string{"uid-1": dir}); err != nil {
		t.Fatal(err)
	}
	got := loadPair(t, dir)
	if want := MetricsWriterUser("ns", "trainingjobs", "a", "uid-1"); got.Subject.CommonName != want {
		t.Errorf("user %q, want %q", got.Subject.CommonName, want)
	}
	if got.NotAfter.After(clock.Now().Add(time.Hour + time.Second)) {
		t.Errorf("NotAfter %v: longer than the 1h lifetime", got.NotAfter)
	}
}
