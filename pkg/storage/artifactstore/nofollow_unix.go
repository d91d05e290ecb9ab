//go:build unix

package artifactstore

import (
	"os"
	"syscall"
)

// noFollow makes an open fail on a symlink, so a file swapped for one
// between the walk and the open is not followed.
const noFollow = syscall.O_NOFOLLOW

func openNoFollow(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|noFollow, 0)
}
