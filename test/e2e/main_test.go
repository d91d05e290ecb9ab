// Package e2e tests ml-apiserver the way teams run it: aggregated behind a
// real kube-apiserver (APIService v1alpha1.ml.example.io), with delegated
// authentication and authorization, kube-controller-manager doing garbage
// collection and namespace deletion, and the machine's kubectl binaries as
// clients. One cluster from hack/local-up.sh serves the whole package (see
// framework.Main).
//
// Tests run in file order, then source order. The ones that stop or restart
// cluster processes are in zz_disruption_test.go so that they run last, and
// they leave the cluster healthy again.
package e2e

import (
	"context"
	"testing"
	"time"

	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// cluster is shared by every test of the package.
var cluster *framework.Cluster

func TestMain(m *testing.M) {
	framework.Main(m, &cluster)
}

// Timeouts of the polls: the control plane usually reacts within a second
// or two, namespace deletion and restarts within tens of seconds.
const (
	shortTimeout = 30 * time.Second
	longTimeout  = 2 * time.Minute
	pollInterval = 250 * time.Millisecond
)

// testContext is a context that ends with the test or after timeout.
func testContext(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}
