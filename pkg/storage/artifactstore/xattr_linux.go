package artifactstore

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// digestXattr keeps a file's digest next to it, so Stat and Get of a large
// object need not read it all again.
const digestXattr = "user.ml-artifact.sha256"

func setDigestAttr(f *os.File, digest string) {
	// Best effort: without user xattrs the digest is recomputed on read.
	_ = unix.Fsetxattr(int(f.Fd()), digestXattr, []byte(digest), 0)
}

func digestAttr(f *os.File) string {
	buf := make([]byte, 80)
	n, err := unix.Fgetxattr(int(f.Fd()), digestXattr, buf)
	if err != nil || n <= 0 {
		return ""
	}
	d := string(buf[:n])
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		return ""
	}
	return d
}
