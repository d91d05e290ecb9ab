package artifactstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback starts writing the n bytes at off of f to disk without
// waiting for them to be written (sync_file_range SYNC_FILE_RANGE_WRITE).
// Best effort: the caller's fsync is what makes them durable.
func startWriteback(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	})
}
