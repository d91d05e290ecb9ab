package standalone

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/etcdspace"
)

// DefaultEtcdAutoCompactionRetention is the history the embedded etcd
// keeps: it compacts every 5 minutes what is older (see EtcdOptions).
const DefaultEtcdAutoCompactionRetention = 5 * time.Minute

// clientURLFile, in the etcd directory, holds the client URL of the running
// etcd, for ml-apiserver etcd-recover.
const clientURLFile = "client-url"

// EmbeddedEtcdDir is the directory of the embedded etcd in a data directory.
func EmbeddedEtcdDir(dataDir string) string { return filepath.Join(dataDir, "etcd") }

// Etcd is an etcd server embedded in the process. Both its listeners are
// on loopback and take only TLS connections with a client certificate of
// its own CA (EtcdPKI), whose files only the server's user can read.
type Etcd struct {
	etcd      *embed.Etcd
	dir       string
	pki       EtcdPKI
	clientURL string
	closeOnce sync.Once
	// recovered is what the start did about a full etcd, if it was full.
	recovered *etcdspace.Result
}

// EtcdOptions configure an embedded etcd.
type EtcdOptions struct {
	// Dir holds the etcd data and certificates; it is kept across restarts.
	Dir string
	// QuotaBackendBytes is etcd's space quota (0: etcd's default of 2 GiB).
	QuotaBackendBytes int64
	// AutoCompactionRetention is the history kept (0: the default,
	// DefaultEtcdAutoCompactionRetention). By time rather than by
	// revisions: watchers resume from a revision some time old, and a burst
	// of writes must not compact that away within seconds.
	AutoCompactionRetention time.Duration
	// PKIDir holds the certificates (empty: Dir/pki). Two etcds given the
	// same directory share one CA and one client certificate.
	PKIDir string
	// UnsafeNoFsync skips fsync; for tests and benchmarks only.
	UnsafeNoFsync bool
}

// StartEtcd starts an embedded etcd listening on free loopback ports and
// waits until it is ready. The peer port is remembered in Dir so a restart
// keeps the member's address when it is still free. An etcd that is full
// (NOSPACE alarm) is recovered: compacted, defragmented and disarmed.
func StartEtcd(ctx context.Context, o EtcdOptions) (*Etcd, error) {
	if err := SecureDir(ctx, o.Dir); err != nil {
		return nil, err
	}
	pki := EtcdPKI{Dir: o.PKIDir}
	if pki.Dir == "" {
		pki.Dir = filepath.Join(o.Dir, "pki")
	}
	if err := pki.Ensure(); err != nil {
		return nil, err
	}
	peerPort, err := peerPort(filepath.Join(o.Dir, "peer-port"))
	if err != nil {
		return nil, err
	}
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "https", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	peerURL := url.URL{Scheme: "https", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

	cfg := embed.NewConfig()
	cfg.Name = "ml-apiserver"
	cfg.Dir = filepath.Join(o.Dir, "data")
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// Only holders of a certificate of the etcd CA get in, on either
	// listener; the server is the only one.
	cfg.ClientTLSInfo = pki.serverTLSInfo()
	cfg.PeerTLSInfo = pki.serverTLSInfo()
	// The server speaks gRPC; the JSON gateway is one more door.
	cfg.EnableGRPCGateway = false
	cfg.UnsafeNoFsync = o.UnsafeNoFsync
	cfg.QuotaBackendBytes = o.QuotaBackendBytes
	// Keep history compacted so the data dir does not grow without bound;
	// the API server compacts too (--etcd-compaction-interval), this is
	// the backstop when that is off.
	retention := o.AutoCompactionRetention
	if retention <= 0 {
		retention = DefaultEtcdAutoCompactionRetention
	}
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = retention.String()
	logCfg := zap.NewProductionConfig()
	logCfg.Level = zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	logger, err := logCfg.Build()
	if err != nil {
		return nil, fmt.Errorf("etcd logger: %w", err)
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger.Named("etcd"))

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, errors.New("embedded etcd did not become ready within 60s")
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	etcd := &Etcd{etcd: e, dir: o.Dir, pki: pki, clientURL: clientURL.String()}
	if err := etcd.recoverIfFull(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, clientURLFile), []byte(etcd.clientURL+"\n"), 0o600); err != nil {
		e.Close()
		return nil, fmt.Errorf("record the etcd client URL: %w", err)
	}
	klog.FromContext(ctx).Info("Embedded etcd ready", "dir", o.Dir, "clientURL", etcd.clientURL, "autoCompactionRetention", retention)
	return etcd, nil
}

// recoverIfFull recovers an etcd that stopped full: a restart is the way
// out a user tries first.
func (e *Etcd) recoverIfFull(ctx context.Context) error {
	client, err := e.NewClient()
	if err != nil {
		return err
	}
	defer func() { _ = client.Close() }()
	alarms, err := etcdspace.NoSpaceAlarms(ctx, client)
	if err != nil || len(alarms) == 0 {
		return err
	}
	logger := klog.FromContext(ctx)
	logger.Info("Embedded etcd is full (NOSPACE alarm): compacting, defragmenting and disarming it")
	r, err := etcdspace.Recover(ctx, client, e.clientURL)
	if err != nil {
		return fmt.Errorf("recover the full embedded etcd: %w", err)
	}
	e.recovered = &r
	logger.Info("Embedded etcd recovered", "revision", r.Revision, "sizeBefore", r.SizeBefore, "sizeAfter", r.SizeAfter, "sizeInUse", r.SizeInUse, "quota", r.Quota)
	if r.StillFull() {
		logger.Error(nil, "The data of the embedded etcd still fills its quota: delete objects, or raise --embedded-etcd-quota-backend-bytes", "sizeInUse", r.SizeInUse, "quota", r.Quota)
	}
	return nil
}

// RecoveredAtStart returns what the start did to an etcd that was full
// (NOSPACE alarm), and false when it was not full.
func (e *Etcd) RecoveredAtStart() (etcdspace.Result, bool) {
	if e.recovered == nil {
		return etcdspace.Result{}, false
	}
	return *e.recovered, true
}

// ClientURL is the URL clients use to reach etcd.
func (e *Etcd) ClientURL() string { return e.clientURL }

// PKI is the certificate set clients of etcd need (ClientTLSInfo).
func (e *Etcd) PKI() EtcdPKI { return e.pki }

// NewClient returns a client with the server's credentials.
func (e *Etcd) NewClient() (*clientv3.Client, error) {
	return newEtcdClient(e.clientURL, e.pki)
}

// Err reports fatal errors of the running server.
func (e *Etcd) Err() <-chan error { return e.etcd.Err() }

// Close stops etcd; it may be called more than once.
func (e *Etcd) Close() {
	e.closeOnce.Do(func() {
		_ = os.Remove(filepath.Join(e.dir, clientURLFile))
		e.etcd.Close()
	})
}

// DialEmbeddedEtcd connects, with the server's credentials, to the running
// embedded etcd whose directory is dir (EmbeddedEtcdDir). It returns the
// client and the endpoint; it fails when no server runs on dir.
func DialEmbeddedEtcd(ctx context.Context, dir string) (*clientv3.Client, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, clientURLFile))
	if err != nil {
		return nil, "", fmt.Errorf("no running embedded etcd in %s: %w", dir, err)
	}
	endpoint := strings.TrimSpace(string(b))
	client, err := newEtcdClient(endpoint, EtcdPKI{Dir: filepath.Join(dir, "pki")})
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := client.Status(ctx, endpoint); err != nil {
		_ = client.Close()
		return nil, "", fmt.Errorf("no running embedded etcd at %s (from %s): %w", endpoint, dir, err)
	}
	return client, endpoint, nil
}

func newEtcdClient(endpoint string, pki EtcdPKI) (*clientv3.Client, error) {
	tlsConfig, err := pki.ClientTLSConfig()
	if err != nil {
		return nil, err
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: 10 * time.Second,
		TLS:         tlsConfig,
		// Log chunks and metric batches stay below etcd's 1.5 MiB.
		MaxCallSendMsgSize: 2 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to the embedded etcd at %s: %w", endpoint, err)
	}
	return client, nil
}

// SecureDir creates dir, or restricts an existing one, to mode 0700: it
// holds keys and the etcd database, which no other account may read.
func SecureDir(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if fi.Mode().Perm() != 0o700 {
		klog.FromContext(ctx).Info("Restricting the directory to its owner", "dir", dir, "mode", fi.Mode().Perm().String())
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict %s to mode 0700: %w", dir, err)
		}
	}
	return nil
}

// peerPort returns the port remembered in file when it is still free, or a
// new free port, which it remembers.
func peerPort(file string) (int, error) {
	if b, err := os.ReadFile(file); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && portFree(p) {
			return p, nil
		}
	}
	p, err := freePort()
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(p)), 0o600); err != nil {
		return 0, fmt.Errorf("remember etcd peer port: %w", err)
	}
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
