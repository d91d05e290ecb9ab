package standalone

import (
	"context"
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	certutil "k8s.io/client-go/util/cert"
	clocktesting "k8s.io/utils/clock/testing"
)

// The server renews the metrics certificates of the objects whose
// processes have one, once half of their lifetime has passed.
func TestRenewMetricsCredentials(t *testing.T) {
	dir, rt := credentialsFixture(t)
	pki := PKI{Dir: t.TempDir()}
	if err := pki.Ensure([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	clock := clocktesting.NewFakePassiveClock(time.Now())
	creds := &MetricsCredentials{PKI: pki, Lifetime: time.Hour, Clock: clock}
	certFile, _, err := creds.Ensure("ns", "trainingjobs", "a", "uid-1", filepath.Join(dir, "credentials", "uid-1"))
	if err != nil {
		t.Fatal(err)
	}
	issued := readCertFile(t, certFile)
	clock.SetTime(clock.Now().Add(31 * time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RenewMetricsCredentials(ctx, creds, rt)
	}()
	defer func() { cancel(); <-done }()
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return readCertFile(t, certFile).SerialNumber.Cmp(issued.SerialNumber) != 0, nil
	})
	if err != nil {
		t.Fatalf("the certificate issued %v ago of a 1h lifetime was not renewed: %v", 31*time.Minute, err)
	}
	if got, want := readCertFile(t, certFile).NotAfter, clock.Now().Add(time.Hour); got.Sub(want).Abs() > time.Second {
		t.Errorf("renewed until %v, want %v", got, want)
	}
}

func readCertFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	certs, err := certutil.CertsFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return certs[0]
}
