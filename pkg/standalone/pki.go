package standalone

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// AdminUser and AdminGroup are the identity of the admin client certificate.
// system:masters is the group the standalone authorizer allows.
const (
	AdminUser  = "ml-admin"
	AdminGroup = "system:masters"
)

const certValidity = 10 * 365 * 24 * time.Hour

// PKI is the set of certificate files in a data directory.
type PKI struct {
	Dir string
}

// CACertFile is the CA that signs the serving and client certificates.
func (p PKI) CACertFile() string { return filepath.Join(p.Dir, "ca.crt") }

// CAKeyFile is the CA's private key.
func (p PKI) CAKeyFile() string { return filepath.Join(p.Dir, "ca.key") }

// ServingCertFile is the server's TLS certificate.
func (p PKI) ServingCertFile() string { return filepath.Join(p.Dir, "apiserver.crt") }

// ServingKeyFile is the server's TLS key.
func (p PKI) ServingKeyFile() string { return filepath.Join(p.Dir, "apiserver.key") }

// AdminCertFile is the admin client certificate.
func (p PKI) AdminCertFile() string { return filepath.Join(p.Dir, "admin.crt") }

// AdminKeyFile is the admin client key.
func (p PKI) AdminKeyFile() string { return filepath.Join(p.Dir, "admin.key") }

// Ensure creates the CA, the serving certificate (for the given hosts and
// IPs) and the admin client certificate unless they already exist, so a
// restart with the same directory keeps every certificate.
func (p PKI) Ensure(hosts []string, ips []net.IP) error {
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("create pki dir: %w", err)
	}
	caCert, caKey, err := p.ensureCA()
	if err != nil {
		return err
	}
	if !exists(p.ServingCertFile()) || !exists(p.ServingKeyFile()) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: "ml-apiserver"},
			DNSNames:    hosts,
			IPAddresses: ips,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if err := issue(tmpl, caCert, caKey, p.ServingCertFile(), p.ServingKeyFile()); err != nil {
			return fmt.Errorf("serving certificate: %w", err)
		}
	}
	if !exists(p.AdminCertFile()) || !exists(p.AdminKeyFile()) {
		if err := p.IssueClientCert(AdminUser, []string{AdminGroup}, p.AdminCertFile(), p.AdminKeyFile()); err != nil {
			return fmt.Errorf("admin certificate: %w", err)
		}
	}
	return nil
}

// IssueClientCert signs a client certificate for user and groups with the CA
// and writes it to certFile and keyFile.
func (p PKI) IssueClientCert(user string, groups []string, certFile, keyFile string) error {
	caCert, caKey, err := p.loadCA()
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(tmpl, caCert, caKey, certFile, keyFile)
}

func (p PKI) ensureCA() (*x509.Certificate, crypto.Signer, error) {
	if exists(p.CACertFile()) && exists(p.CAKeyFile()) {
		return p.loadCA()
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	caCert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: "ml-apiserver-ca"}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	if err := writeKeyPair(p.CACertFile(), p.CAKeyFile(), caCert, key); err != nil {
		return nil, nil, err
	}
	return caCert, key, nil
}

func (p PKI) loadCA() (*x509.Certificate, crypto.Signer, error) {
	certs, err := certutil.CertsFromFile(p.CACertFile())
	if err != nil {
		return nil, nil, fmt.Errorf("read CA certificate: %w", err)
	}
	key, err := keyutil.PrivateKeyFromFile(p.CAKeyFile())
	if err != nil {
		return nil, nil, fmt.Errorf("read CA key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("CA key cannot sign")
	}
	return certs[0], signer, nil
}

func issue(tmpl *x509.Certificate, caCert *x509.Certificate, caKey crypto.Signer, certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	now := time.Now()
	cert, err := sign(tmpl, caCert, caKey, key.Public(), now.Add(-time.Hour), now.Add(certValidity))
	if err != nil {
		return err
	}
	return writeKeyPair(certFile, keyFile, cert, key)
}

// sign signs tmpl for pub with the CA, valid from notBefore to notAfter.
func sign(tmpl *x509.Certificate, caCert *x509.Certificate, caKey crypto.Signer, pub crypto.PublicKey, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = notBefore
	tmpl.NotAfter = notAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return cert, nil
}

func writeKeyPair(certFile, keyFile string, cert *x509.Certificate, key crypto.Signer) error {
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	if err := keyutil.WriteKey(keyFile, keyPEM); err != nil {
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	certPEM, err := certutil.EncodeCertificates(cert)
	if err != nil {
		return fmt.Errorf("encode certificate: %w", err)
	}
	if err := certutil.WriteCert(certFile, certPEM); err != nil {
		return fmt.Errorf("write %s: %w", certFile, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
