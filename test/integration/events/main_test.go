// Package events tests the core/v1 Events standalone mode serves: the
// controllers' events reach `kubectl describe` and `kubectl get events` as
// on a cluster, /api/v1 offers nothing else, bad events are refused with
// the field named, and events expire after --event-ttl.
package events

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
}

// kubectl runs the machine's kubectl against kubeconfig and returns its
// standard output; it fails the test when kubectl exits non-zero.
func kubectl(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skipf("no kubectl on PATH: %v", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
