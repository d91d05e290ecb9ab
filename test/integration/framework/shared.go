package framework

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// sharedRoot is the directory, writable by every user, that the test
// servers let their local processes write (--local-read-write-paths):
// processes run confined, as nobody when the tests run as root.
var sharedRoot = sync.OnceValues(func() (string, error) {
	d, err := os.MkdirTemp("", "ml-integration-shared-")
	if err != nil {
		return "", err
	}
	made.Store(d)
	return d, os.Chmod(d, 0o777)
})

// made is the shared root once made, for removeSharedRoot.
var made atomic.Value

// removeSharedRoot removes the shared root, if one was made, when the
// tests of the package ended (runMain; a package without TestMain leaves
// an empty one behind).
func removeSharedRoot() {
	if d, ok := made.Load().(string); ok {
		_ = os.RemoveAll(d)
	}
}

// SharedDir is a directory of the test that the local processes of the
// test servers may write (t.TempDir() is the server user's only).
func SharedDir(t testing.TB) string {
	t.Helper()
	root, err := sharedRoot()
	if err != nil {
		t.Fatal(err)
	}
	d, err := os.MkdirTemp(root, "t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}
