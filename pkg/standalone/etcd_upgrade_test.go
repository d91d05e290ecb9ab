package standalone

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// TestStartEtcdKeepsDataOfPlainEtcd starts the embedded etcd on a data
// directory written by earlier versions, whose etcd served plain HTTP:
// the member's recorded URLs change, the keys stay.
func TestStartEtcdKeepsDataOfPlainEtcd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	peer, err := peerPort(filepath.Join(dir, "peer-port"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(client))}
	peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peer))}
	cfg := embed.NewConfig()
	cfg.Name = "ml-apiserver"
	cfg.Dir = filepath.Join(dir, "data")
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{clientURL}, []url.URL{clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peerURL}, []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	old, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		old.Close()
		t.Fatal("plain etcd not ready")
	}
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{clientURL.String()}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := c.Put(ctx, "/registry/kept", "v"); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	old.Close()

	e, err := StartEtcd(ctx, EtcdOptions{Dir: dir, UnsafeNoFsync: true})
	if err != nil {
		t.Fatalf("start on the plain etcd's data: %v", err)
	}
	defer e.Close()
	c, err = e.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	resp, err := c.Get(ctx, "/registry/kept")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("key of the plain etcd: %v, %v", resp, err)
	}
	if _, err := c.Put(ctx, "/registry/new", "v"); err != nil {
		t.Errorf("write after the upgrade: %v", err)
	}
}
