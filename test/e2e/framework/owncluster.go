package framework

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// StartCluster starts a cluster of the test's own with hack/local-up.sh in
// a fresh directory, with env (e.g. ML_APISERVER_REPLICAS=2) added to its
// environment, for a test that needs a shape the package's cluster does
// not have. The cluster is stopped when the test ends, and by a watchdog
// if the test binary dies first; after a failure the logs are printed and
// the directory kept.
func StartCluster(t testing.TB, env ...string) *Cluster {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ml-e2e-own-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{LocalUpDir: dir, Owned: true, root: root, env: env}
	c.watchdog, err = startWatchdog(root, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.down(t.Failed())
		_ = c.watchdog.Close()
	})
	t.Logf("starting a local cluster of the test's own in %s (%s)", dir, strings.Join(env, " "))
	if err := c.up(); err != nil {
		t.Fatal(err)
	}
	return c
}

// Replicas is the number of ml-apiserver replicas of a local-up cluster
// (local-up.env's ML_APISERVER_REPLICAS; 1 when it does not say).
func (c *Cluster) Replicas() int {
	n, err := strconv.Atoi(c.Env["ML_APISERVER_REPLICAS"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// ReplicaName is the process name of ml-apiserver replica i (from 1):
// ml-apiserver, ml-apiserver-2, ...
func ReplicaName(i int) string {
	if i == 1 {
		return "ml-apiserver"
	}
	return fmt.Sprintf("ml-apiserver-%d", i)
}

// ReplicaConfig returns the admin configuration pointed at ml-apiserver
// replica i (from 1) itself, bypassing kube-apiserver: its URL is the
// i-th of local-up.env's ML_APISERVER_URLS.
func (c *Cluster) ReplicaConfig(t testing.TB, i int) *rest.Config {
	t.Helper()
	urls := strings.Fields(c.Env["ML_APISERVER_URLS"])
	if i < 1 || i > len(urls) {
		t.Fatalf("ml-apiserver replica %d: local-up.env lists %d (ML_APISERVER_URLS=%q)", i, len(urls), c.Env["ML_APISERVER_URLS"])
	}
	cfg := c.MLAPIServerConfig(t)
	cfg.Host = urls[i-1]
	return cfg
}
