// Command etcd runs a single-member etcd server for the local development
// cluster of hack/local-up.sh. It is go.etcd.io/etcd/server/v3/embed, the
// etcd version our k8s.io libraries pin, so no etcd release has to be
// downloaded. It stops cleanly on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		name        = flag.String("name", "local-up", "Member name.")
		dataDir     = flag.String("data-dir", "", "Directory for the etcd data (required).")
		clientURL   = flag.String("listen-client-url", "http://127.0.0.1:2379", "URL to serve clients on; also advertised.")
		peerURL     = flag.String("listen-peer-url", "http://127.0.0.1:2380", "URL to serve peers on; also advertised.")
		quota       = flag.Int64("quota-backend-bytes", 0, "Backend space quota in bytes (0: etcd's default of 2 GiB).")
		logLevel    = flag.String("log-level", "warn", "Log level: debug, info, warn, error.")
		readyWithin = flag.Duration("ready-timeout", time.Minute, "How long to wait for the server to become ready.")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		return fmt.Errorf("unexpected arguments: %v", flag.Args())
	}
	if *dataDir == "" {
		return errors.New("--data-dir is required")
	}
	client, err := url.Parse(*clientURL)
	if err != nil {
		return fmt.Errorf("--listen-client-url: %w", err)
	}
	peer, err := url.Parse(*peerURL)
	if err != nil {
		return fmt.Errorf("--listen-peer-url: %w", err)
	}
	level, err := zapcore.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.QuotaBackendBytes = *quota
	// kube-apiserver compacts every 5 minutes; this is the backstop that
	// keeps a long-lived local cluster's data dir bounded.
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "1h"
	logCfg := zap.NewProductionConfig()
	logCfg.Level = zap.NewAtomicLevelAt(level)
	logger, err := logCfg.Build()
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready, serving clients on %s, data in %s\n", client, *dataDir)
	case <-time.After(*readyWithin):
		return fmt.Errorf("not ready within %s", *readyWithin)
	case <-ctx.Done():
		return nil
	}

	select {
	case err := <-e.Err():
		return err
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "etcd: signal received, stopping")
		return nil
	}
}
