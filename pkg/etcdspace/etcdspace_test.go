package etcdspace_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/klog/v2/ktesting"

	"ml.example.io/ml-apiserver/pkg/etcdspace"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// quota is small so a few rewrites of a big value fill it.
const quota = 16 << 20

// fill rewrites one big key under a non-object prefix until etcd refuses
// with NOSPACE: its history, not its live data, fills the quota.
func fill(ctx context.Context, t *testing.T, c *clientv3.Client) {
	t.Helper()
	junk := strings.Repeat("x", 1<<20)
	for i := 0; i < 1000; i++ {
		_, err := c.Put(ctx, "/junk/big", fmt.Sprintf("%d%s", i, junk))
		if errors.Is(err, rpctypes.ErrNoSpace) {
			return
		}
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	t.Fatal("etcd never ran out of space")
}

func TestCheckAndRecover(t *testing.T) {
	ctx := t.Context()
	e, err := standalone.StartEtcd(ctx, standalone.EtcdOptions{
		Dir: filepath.Join(t.TempDir(), "etcd"), QuotaBackendBytes: quota, UnsafeNoFsync: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := e.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	logger, _ := ktesting.NewTestContext(t)
	newCheck := func() *etcdspace.Check {
		return etcdspace.NewCheck(logger, etcdspace.Target{Name: "objects", Client: c, Hint: "run the recovery"})
	}

	for i := 0; i < 10; i++ {
		if _, err := c.Put(ctx, fmt.Sprintf("/registry/obj-%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := newCheck().Check(nil); err != nil {
		t.Fatalf("check before the fill: %v", err)
	}
	fill(ctx, t, c)
	err = newCheck().Check(nil)
	if err == nil || !strings.Contains(err.Error(), "NOSPACE") || !strings.Contains(err.Error(), "run the recovery") {
		t.Fatalf("check of a full etcd: %v, want NOSPACE and the hint", err)
	}

	r, err := etcdspace.Recover(ctx, c, e.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	if r.Disarmed != 1 || r.SizeAfter >= r.SizeBefore || r.StillFull() {
		t.Errorf("recovery %+v: want one alarm disarmed and a smaller database with room", r)
	}
	if err := newCheck().Check(nil); err != nil {
		t.Errorf("check after the recovery: %v", err)
	}
	if _, err := c.Put(ctx, "/registry/after", "v"); err != nil {
		t.Errorf("put after the recovery: %v", err)
	}
	resp, err := c.Get(ctx, "/registry/obj-", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || resp.Count != 10 {
		t.Errorf("objects after the recovery: %v, %v; want all 10", resp, err)
	}
	resp, err = c.Get(ctx, "/junk/big")
	if err != nil || len(resp.Kvs) != 1 {
		t.Errorf("junk key after the recovery: %v, %v; want it kept", resp, err)
	}
}

// TestCheckIgnoresUnreachable: an etcd that does not answer
// passes: the generic "etcd" check reports it.
func TestCheckIgnoresUnreachable(t *testing.T) {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	logger, _ := ktesting.NewTestContext(t)
	check := etcdspace.NewCheck(logger, etcdspace.Target{Name: "objects", Client: c})
	if err := check.Check(nil); err != nil {
		t.Errorf("unreachable etcd: %v, want nil", err)
	}
	if check.Name() != "etcd-space" {
		t.Errorf("name %q", check.Name())
	}
}
