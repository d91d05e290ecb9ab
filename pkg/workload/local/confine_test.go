package local

import (
	"os"
	"sync"
	"testing"
)

// testConfinement is the confinement of the server's defaults (Landlock,
// and the user nobody when the tests run as root), with sharedDir(t)
// writable.
func testConfinement(t *testing.T) Confinement {
	t.Helper()
	u, err := LookupUser("nobody")
	if err != nil {
		t.Fatal(err)
	}
	return Confinement{RunAs: u, ReadWritePaths: []string{sharedDir(t)}}
}

var shared sync.Map

// sharedDir is a directory of the test that its replicas may write.
func sharedDir(t *testing.T) string {
	t.Helper()
	if d, ok := shared.Load(t); ok {
		return d.(string)
	}
	d := t.TempDir()
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	shared.Store(t, d)
	t.Cleanup(func() { shared.Delete(t) })
	return d
}
