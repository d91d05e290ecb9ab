package artifactstore

import (
	"os"
	"strings"
	"syscall"
	"time"

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

// changeTime is the status change time (ctime) of a file: unlike the
// modification time, a writer cannot set it back.
func changeTime(fi os.FileInfo) (time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Ctim.Sec, st.Ctim.Nsec), true
}
