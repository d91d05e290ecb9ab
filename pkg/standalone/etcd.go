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
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"
)

// Etcd is an etcd server embedded in the process.
type Etcd struct {
	etcd      *embed.Etcd
	clientURL string
}

// EtcdOptions configure an embedded etcd.
type EtcdOptions struct {
	// Dir holds the etcd data; it is kept across restarts.
	Dir string
	// QuotaBackendBytes is etcd's space quota (0: etcd's default of 2 GiB).
	QuotaBackendBytes int64
	// UnsafeNoFsync skips fsync; for tests and benchmarks only.
	UnsafeNoFsync bool
}

// StartEtcd starts an embedded etcd listening on free loopback ports and
// waits until it is ready. The peer port is remembered in Dir so a restart
// keeps the member's address when it is still free.
func StartEtcd(ctx context.Context, o EtcdOptions) (*Etcd, error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create etcd dir: %w", err)
	}
	peerPort, err := peerPort(filepath.Join(o.Dir, "peer-port"))
	if err != nil {
		return nil, err
	}
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

	cfg := embed.NewConfig()
	cfg.Name = "ml-apiserver"
	cfg.Dir = filepath.Join(o.Dir, "data")
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = o.UnsafeNoFsync
	cfg.QuotaBackendBytes = o.QuotaBackendBytes
	// Keep history compacted so the data dir does not grow without bound;
	// the API server compacts too, this is the backstop.
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "1h"
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
	klog.FromContext(ctx).Info("Embedded etcd ready", "dir", o.Dir, "clientURL", clientURL.String())
	return &Etcd{etcd: e, clientURL: clientURL.String()}, nil
}

// ClientURL is the URL clients use to reach etcd.
func (e *Etcd) ClientURL() string { return e.clientURL }

// Err reports fatal errors of the running server.
func (e *Etcd) Err() <-chan error { return e.etcd.Err() }

// Close stops etcd.
func (e *Etcd) Close() { e.etcd.Close() }

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
