package standalone

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"testing"

	certutil "k8s.io/client-go/util/cert"
)

func TestPKIEnsureIsStable(t *testing.T) {
	pki := PKI{Dir: t.TempDir()}
	ips := []net.IP{net.ParseIP("127.0.0.1")}
	if err := pki.Ensure([]string{"localhost"}, ips); err != nil {
		t.Fatalf("first Ensure: %v", err)
	}
	files := []string{pki.CACertFile(), pki.CAKeyFile(), pki.ServingCertFile(), pki.ServingKeyFile(), pki.AdminCertFile(), pki.AdminKeyFile()}
	before := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		before[f] = b
	}
	if err := pki.Ensure([]string{"localhost"}, ips); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		if !bytes.Equal(before[f], b) {
			t.Errorf("%s changed on the second Ensure; a restart must keep certificates", f)
		}
	}
	if info, err := os.Stat(pki.CAKeyFile()); err != nil || info.Mode().Perm()&0o077 != 0 {
		t.Errorf("CA key must be private to its owner, got %v (err %v)", info.Mode().Perm(), err)
	}
}

func TestPKICertificatesChainToCA(t *testing.T) {
	pki := PKI{Dir: t.TempDir()}
	if err := pki.Ensure([]string{"localhost", "ml.example"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	if err := pki.IssueClientCert("alice", []string{"team-a"}, pki.Dir+"/alice.crt", pki.Dir+"/alice.key"); err != nil {
		t.Fatal(err)
	}
	ca := mustCert(t, pki.CACertFile())
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	serving := mustCert(t, pki.ServingCertFile())
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "ml.example", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("serving certificate does not verify for ml.example: %v", err)
	}
	if err := serving.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("serving certificate does not cover 127.0.0.1: %v", err)
	}

	for _, tc := range []struct {
		file, user, group string
	}{
		{pki.AdminCertFile(), AdminUser, AdminGroup},
		{pki.Dir + "/alice.crt", "alice", "team-a"},
	} {
		c := mustCert(t, tc.file)
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s does not verify as a client certificate: %v", tc.file, err)
		}
		if c.Subject.CommonName != tc.user || len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != tc.group {
			t.Errorf("%s subject = %v, want CN=%s O=%s", tc.file, c.Subject, tc.user, tc.group)
		}
	}
}

func mustCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	certs, err := certutil.CertsFromFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return certs[0]
}
