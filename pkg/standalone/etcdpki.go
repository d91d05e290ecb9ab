package standalone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	certutil "k8s.io/client-go/util/cert"
)

// EtcdPKI is the certificate set of the embedded etcd, in a directory of
// its own. Its CA is not the CA of the API (which also signs the admin's
// and the processes' metric certificates): a certificate of that CA must
// never open etcd. The CA key is not kept; the whole set is generated
// again when a file is missing or a certificate nears its end.
type EtcdPKI struct {
	Dir string
}

// CACertFile is the CA both ends of every etcd connection trust.
func (p EtcdPKI) CACertFile() string { return filepath.Join(p.Dir, "ca.crt") }

// ServerCertFile is etcd's certificate, for its client and peer listeners
// (and the peer's client side).
func (p EtcdPKI) ServerCertFile() string { return filepath.Join(p.Dir, "server.crt") }

// ServerKeyFile is the key of ServerCertFile.
func (p EtcdPKI) ServerKeyFile() string { return filepath.Join(p.Dir, "server.key") }

// ClientCertFile is the API server's client certificate for etcd.
func (p EtcdPKI) ClientCertFile() string { return filepath.Join(p.Dir, "client.crt") }

// ClientKeyFile is the key of ClientCertFile.
func (p EtcdPKI) ClientKeyFile() string { return filepath.Join(p.Dir, "client.key") }

// ClientTLSInfo is what a client of the embedded etcd presents and trusts.
func (p EtcdPKI) ClientTLSInfo() transport.TLSInfo {
	return transport.TLSInfo{CertFile: p.ClientCertFile(), KeyFile: p.ClientKeyFile(), TrustedCAFile: p.CACertFile()}
}

// ClientTLSConfig is ClientTLSInfo as a crypto/tls configuration.
func (p EtcdPKI) ClientTLSConfig() (*tls.Config, error) {
	c, err := p.ClientTLSInfo().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("etcd client TLS: %w", err)
	}
	return c, nil
}

// serverTLSInfo is what both etcd listeners serve: every connection must
// present a certificate of the etcd CA.
func (p EtcdPKI) serverTLSInfo() transport.TLSInfo {
	return transport.TLSInfo{
		CertFile:       p.ServerCertFile(),
		KeyFile:        p.ServerKeyFile(),
		TrustedCAFile:  p.CACertFile(),
		ClientCertAuth: true,
	}
}

// etcdRenewBefore is how long before its end a certificate is replaced.
const etcdRenewBefore = 30 * 24 * time.Hour

// Ensure generates the certificates unless every file exists and is valid
// for a while yet. Restarts keep them, so tools reading the client files
// (ml-apiserver etcd-recover) work across restarts.
func (p EtcdPKI) Ensure() error {
	if p.valid() {
		return nil
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("create etcd pki dir: %w", err)
	}
	if err := os.Chmod(p.Dir, 0o700); err != nil {
		return fmt.Errorf("restrict etcd pki dir: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate etcd CA key: %w", err)
	}
	caCert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: "ml-apiserver-etcd-ca"}, caKey)
	if err != nil {
		return fmt.Errorf("create etcd CA certificate: %w", err)
	}
	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "ml-apiserver-etcd"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		// Peers and etcd's own gateway dial with it too.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if err := issue(server, caCert, caKey, p.ServerCertFile(), p.ServerKeyFile()); err != nil {
		return fmt.Errorf("etcd server certificate: %w", err)
	}
	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "ml-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := issue(client, caCert, caKey, p.ClientCertFile(), p.ClientKeyFile()); err != nil {
		return fmt.Errorf("etcd client certificate: %w", err)
	}
	// The CA last: a crash before this leaves the set invalid, so the next
	// start generates it again.
	pem, err := certutil.EncodeCertificates(caCert)
	if err != nil {
		return fmt.Errorf("encode etcd CA: %w", err)
	}
	if err := certutil.WriteCert(p.CACertFile(), pem); err != nil {
		return fmt.Errorf("write %s: %w", p.CACertFile(), err)
	}
	return nil
}

// valid says whether every file exists, the certificates chain to the CA
// and none ends within etcdRenewBefore.
func (p EtcdPKI) valid() bool {
	cas, err := certutil.CertsFromFile(p.CACertFile())
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	pool.AddCert(cas[0])
	deadline := time.Now().Add(etcdRenewBefore)
	if cas[0].NotAfter.Before(deadline) {
		return false
	}
	for _, pair := range [][2]string{{p.ServerCertFile(), p.ServerKeyFile()}, {p.ClientCertFile(), p.ClientKeyFile()}} {
		kp, err := tls.LoadX509KeyPair(pair[0], pair[1])
		if err != nil {
			return false
		}
		leaf, err := x509.ParseCertificate(kp.Certificate[0])
		if err != nil || leaf.NotAfter.Before(deadline) {
			return false
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return false
		}
	}
	return true
}
