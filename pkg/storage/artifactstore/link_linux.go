package artifactstore

import (
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// linkFile makes name under root a hard link to the open file src: the
// link is made at a temporary name in name's directory (opened through
// root, so no symlink reaches outside it) and renamed into place.
func linkFile(root *os.Root, name string, src *os.File) error {
	dir, err := root.Open(path.Dir(name))
	if err != nil {
		return err
	}
	defer func() { _ = dir.Close() }()
	tmp := tempName(path.Base(name))
	if err := unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", src.Fd()), int(dir.Fd()), tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return &os.LinkError{Op: "link", Old: src.Name(), New: name, Err: err}
	}
	tmpName := path.Join(path.Dir(name), tmp)
	if err := root.Rename(tmpName, name); err != nil {
		_ = root.Remove(tmpName)
		return err
	}
	return nil
}
