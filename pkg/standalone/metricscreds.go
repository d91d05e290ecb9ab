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
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/utils/clock"
)

// DefaultMetricsCredentialLifetime is how long a metrics writer's
// certificate is valid: it is renewed once half of it has passed.
const DefaultMetricsCredentialLifetime = 24 * time.Hour

// The files of the metrics credentials in an object's credentials
// directory.
const (
	MetricsCertFile = "metrics.crt"
	MetricsKeyFile  = "metrics.key"
)

// metricsCertBackdate is how long before its issue a certificate is valid,
// for clocks a little behind the server's.
const metricsCertBackdate = 5 * time.Minute

// MetricsCredentials issues the client certificates of metrics writers
// into the credentials directories of objects, and renews them while the
// objects live.
//
// The key of an object is made once and kept; each renewal signs a new
// certificate for it and replaces the certificate file atomically (a new
// file renamed over the old one), so a process that reads both files at
// any moment gets a matching pair.
type MetricsCredentials struct {
	// PKI is the CA that signs the certificates.
	PKI PKI
	// Lifetime is how long a certificate is valid.
	Lifetime time.Duration
	// Clock tells the time; the real clock when nil.
	Clock clock.PassiveClock
}

// metricsCredentialsMu serializes the writes of every MetricsCredentials
// of the process (the one of process starts and the one of renewals), so
// that two replicas of an object starting at once and a renewal never
// make two keys.
var metricsCredentialsMu sync.Mutex

// RenewInterval is how often Renew should run: often enough that a
// certificate is renewed long before it expires.
func (m *MetricsCredentials) RenewInterval() time.Duration {
	return min(max(m.Lifetime/20, time.Second), 5*time.Minute)
}

// Ensure makes dir hold the key and a certificate, valid for at least half
// of Lifetime, of the metrics writer of the object namespace/name of
// resource with UID uid, and returns the paths of the certificate and the
// key.
func (m *MetricsCredentials) Ensure(namespace, resource, name string, uid types.UID, dir string) (certFile, keyFile string, err error) {
	metricsCredentialsMu.Lock()
	defer metricsCredentialsMu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	if err := m.ensureLocked(MetricsWriterUser(namespace, resource, name, uid), dir); err != nil {
		return "", "", err
	}
	return filepath.Join(dir, MetricsCertFile), filepath.Join(dir, MetricsKeyFile), nil
}

// Renew renews the certificates that are due in dirs: the credentials
// directories of objects, by UID. The object is the one the certificate
// already there names (with the UID of its directory); a directory
// without a certificate is left alone, and so is one removed meanwhile
// with its object.
func (m *MetricsCredentials) Renew(dirs map[types.UID]string) error {
	var errs []error
	for uid, dir := range dirs {
		cert, err := readCert(filepath.Join(dir, MetricsCertFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		w, ok := parseMetricsWriter(cert.Subject.CommonName)
		if !ok {
			continue
		}
		metricsCredentialsMu.Lock()
		err = m.ensureLocked(MetricsWriterUser(w.namespace, w.resource, w.name, uid), dir)
		metricsCredentialsMu.Unlock()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return utilerrors.NewAggregate(errs)
}

func (m *MetricsCredentials) ensureLocked(user, dir string) error {
	certFile, keyFile := filepath.Join(dir, MetricsCertFile), filepath.Join(dir, MetricsKeyFile)
	key, err := ensureKey(keyFile)
	if err != nil {
		return err
	}
	if cert, err := readCert(certFile); err == nil && !m.due(cert, user, key) {
		return nil
	}
	caCert, caKey, err := m.PKI.loadCA()
	if err != nil {
		return err
	}
	now := m.now()
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: []string{MetricsWriterGroup}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	cert, err := sign(tmpl, caCert, caKey, key.Public(), now.Add(-metricsCertBackdate), now.Add(m.Lifetime))
	if err != nil {
		return err
	}
	certPEM, err := certutil.EncodeCertificates(cert)
	if err != nil {
		return fmt.Errorf("encode certificate: %w", err)
	}
	return writeFileAtomic(certFile, certPEM, 0o644)
}

// due says whether cert must be replaced: it is for another user or key,
// less than half of Lifetime is left, or it is valid for longer than
// Lifetime allows (issued with a longer lifetime).
func (m *MetricsCredentials) due(cert *x509.Certificate, user string, key crypto.Signer) bool {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if cert.Subject.CommonName != user || !ok || !pub.Equal(key.Public()) {
		return true
	}
	left := cert.NotAfter.Sub(m.now())
	return left < m.Lifetime/2 || left > m.Lifetime
}

func (m *MetricsCredentials) now() time.Time {
	if m.Clock == nil {
		return time.Now()
	}
	return m.Clock.Now()
}

// ensureKey reads the key in keyFile, or makes one and writes it there.
func ensureKey(keyFile string) (crypto.Signer, error) {
	if key, err := keyutil.PrivateKeyFromFile(keyFile); err == nil {
		if signer, ok := key.(crypto.Signer); ok {
			return signer, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func readCert(path string) (*x509.Certificate, error) {
	certs, err := certutil.CertsFromFile(path)
	if err != nil {
		if _, statErr := os.Stat(path); errors.Is(statErr, os.ErrNotExist) {
			return nil, statErr
		}
		return nil, err
	}
	return certs[0], nil
}

// writeFileAtomic replaces path with data: a reader sees the old content
// or the new, never a part. The new file keeps the mode and, when the
// server may set it, the owner of the file it replaces.
func writeFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if old, err := os.Stat(path); err == nil {
		mode = old.Mode().Perm()
		if st, ok := old.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
			_ = f.Chown(int(st.Uid), int(st.Gid))
		}
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
