package framework

import (
	"fmt"
	"os"
	"syscall"
)

// ExamplesDir is where the local examples write their files, as under
// make run (--local-read-write-paths).
const ExamplesDir = "/tmp/ml-apiserver-examples"

// HoldExamplesDir waits until no other test process uses ExamplesDir,
// then empties it; the directory is this process's until the returned
// function is called (or the process exits). Test packages run in
// parallel, and those running the examples share the directory.
func HoldExamplesDir() (release func(), err error) {
	f, err := os.OpenFile(ExamplesDir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", ExamplesDir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", ExamplesDir, err)
	}
	if err := os.RemoveAll(ExamplesDir); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("empty %s: %w", ExamplesDir, err)
	}
	return func() { _ = f.Close() }, nil
}
