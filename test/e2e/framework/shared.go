package framework

import (
	"fmt"
	"os"
	"sync"
)

// StartShared starts a cluster with hack/local-up.sh in a fresh directory
// for a caller outside any one test: a TestMain of another package that
// starts it on first use and stops it once its tests are done. With
// ML_E2E_KUBECONFIG set it uses that cluster instead and stop does
// nothing. stop stops a cluster it started; after a failure it prints the
// logs' tails and keeps the directory. A watchdog stops the cluster if the
// process dies first.
func StartShared(env ...string) (c *Cluster, stop func(failed bool), err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	if kubeconfig := os.Getenv(KubeconfigEnv); kubeconfig != "" {
		c, err := existingCluster(root, kubeconfig)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", KubeconfigEnv, err)
		}
		return c, func(bool) {}, nil
	}
	dir, err := os.MkdirTemp("", "ml-e2e-shared-")
	if err != nil {
		return nil, nil, err
	}
	c = &Cluster{LocalUpDir: dir, Owned: true, root: root, env: env}
	if c.watchdog, err = startWatchdog(root, dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	var once sync.Once
	stop = func(failed bool) {
		once.Do(func() {
			c.down(failed)
			_ = c.watchdog.Close()
		})
	}
	if err := c.up(); err != nil {
		stop(true)
		return nil, nil, err
	}
	return c, stop, nil
}
