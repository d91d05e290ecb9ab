package artifactstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"
)

// ManifestName is the object, under a directory artifact's key, that lists
// its files; a directory to push may not hold a top-level file of that name.
const ManifestName = ".ml-artifact-manifest.json"

// Manifest lists the files and directories of a directory artifact. Its
// JSON (files sorted by path, no times) is what the artifact's digest is
// computed over, so the same tree always has the same digest.
type Manifest struct {
	Files []ManifestEntry `json:"files"`
}

// ManifestEntry is one file or directory of a directory artifact.
type ManifestEntry struct {
	// Path is "/"-separated, relative to the artifact's root.
	Path string `json:"path"`
	// Dir marks a directory; files have Size and Digest.
	Dir        bool   `json:"dir,omitempty"`
	Size       int64  `json:"size,omitempty"`
	Digest     string `json:"digest,omitempty"`
	Executable bool   `json:"executable,omitempty"`
}

// PushPath uploads the local file or directory localPath to key: a file as
// the object key, a directory as one object per file under key+"/" and a
// manifest (ManifestName) listing them, after deleting what key held. It
// returns one Info for the whole artifact (for a directory: the total size
// and the digest of the manifest). More than maxBytes (>0) in all is an
// error wrapping ErrTooLarge. Symlinks and special files are refused, so a
// process cannot make the uploader read files it could not.
func PushPath(ctx context.Context, s Store, key, localPath string, maxBytes int64) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	fi, err := os.Lstat(localPath)
	if err != nil {
		return Info{}, fmt.Errorf("push %s: %w", key, err)
	}
	switch {
	case fi.Mode().IsRegular():
		f, err := openNoFollow(localPath)
		if err != nil {
			return Info{}, fmt.Errorf("push %s: %w", key, err)
		}
		defer func() { _ = f.Close() }()
		if err := s.DeletePrefix(ctx, key); err != nil {
			return Info{}, fmt.Errorf("push %s: %w", key, err)
		}
		return s.Put(ctx, key, f, maxBytes)
	case fi.IsDir():
		return pushDir(ctx, s, key, localPath, maxBytes)
	default:
		return Info{}, fmt.Errorf("push %s: %s is a %s; only regular files and directories are uploaded", key, localPath, fileType(fi.Mode()))
	}
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func pushDir(ctx context.Context, s Store, key, dir string, maxBytes int64) (Info, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Info{}, fmt.Errorf("push %s: %w", key, err)
	}
	defer func() { _ = root.Close() }()
	if err := s.DeletePrefix(ctx, key); err != nil {
		return Info{}, fmt.Errorf("push %s: %w", key, err)
	}
	var m Manifest
	var total int64
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if name == ManifestName {
			return fmt.Errorf("%s/%s: the name is reserved for the artifact's manifest", dir, name)
		}
		if err := CheckKey(name); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, name, err)
		}
		switch {
		case d.IsDir():
			m.Files = append(m.Files, ManifestEntry{Path: name, Dir: true})
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s/%s is a %s; only regular files and directories are uploaded", dir, name, fileType(d.Type()))
		}
		f, err := root.OpenFile(name, os.O_RDONLY|noFollow, 0)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		limit := int64(0)
		if maxBytes > 0 {
			limit = maxBytes - total
			if limit <= 0 {
				if fi.Size() > 0 {
					return tooLarge(key, maxBytes)
				}
				limit = 1
			}
		}
		info, err := s.Put(ctx, key+"/"+name, f, limit)
		if errors.Is(err, ErrTooLarge) {
			return tooLarge(key, maxBytes)
		}
		if err != nil {
			return err
		}
		total += info.Size
		m.Files = append(m.Files, ManifestEntry{Path: name, Size: info.Size, Digest: info.Digest, Executable: fi.Mode()&0o111 != 0})
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			_ = s.DeletePrefix(context.WithoutCancel(ctx), key)
			return Info{}, err
		}
		return Info{}, fmt.Errorf("push %s: %w", key, err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Info{}, fmt.Errorf("push %s: manifest: %w", key, err)
	}
	mi, err := s.Put(ctx, key+"/"+ManifestName, bytes.NewReader(raw), 0)
	if err != nil {
		return Info{}, fmt.Errorf("push %s: manifest: %w", key, err)
	}
	return Info{Key: key, Size: total, Digest: mi.Digest, ModTime: mi.ModTime}, nil
}

// PullPath writes the artifact at key (a file or a directory pushed by
// PushPath) to localPath, checking every file's size and digest against
// what the store recorded (for the filesystem store, whose files the
// server wrote and hashed itself, only the size: the kernel copies them). Directories are created mode 0755, files 0644
// (0755 when executable); all writes stay inside localPath.
func PullPath(ctx context.Context, s Store, key, localPath string) (Info, error) {
	return pullPath(ctx, s, key, localPath, false)
}

// PullPathReadOnly is PullPath for a reader that may not change what it
// reads: files are mode 0444 (0555 when executable) and, from the
// filesystem store on the same file system, each is a hard link to the
// store's own file, made 0444 (0555) too, instead of a copy: no bytes move.
// Where a link cannot be made (another file system, the link count's
// limit) the file is copied. The caller must make sure that no process
// that reads localPath can write the store's files through it: such a
// process must neither own them (the server's user does) nor be root, as
// local processes run as another user by a root server are.
func PullPathReadOnly(ctx context.Context, s Store, key, localPath string) (Info, error) {
	return pullPath(ctx, s, key, localPath, true)
}

func pullPath(ctx context.Context, s Store, key, localPath string, readOnly bool) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	rc, info, err := s.Get(ctx, key)
	if err == nil {
		defer func() { _ = rc.Close() }()
		if err := os.MkdirAll(filepath.Dir(localPath), 0o755); err != nil {
			return Info{}, fmt.Errorf("pull %s: %w", key, err)
		}
		parent, err := os.OpenRoot(filepath.Dir(localPath))
		if err != nil {
			return Info{}, fmt.Errorf("pull %s: %w", key, err)
		}
		defer func() { _ = parent.Close() }()
		if err := pullFile(ctx, parent, filepath.Base(localPath), rc, info, 0o644, readOnly); err != nil {
			return Info{}, fmt.Errorf("pull %s: %w", key, err)
		}
		return info, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Info{}, err
	}
	m, mi, err := readManifest(ctx, s, key)
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(localPath, 0o755); err != nil {
		return Info{}, fmt.Errorf("pull %s: %w", key, err)
	}
	root, err := os.OpenRoot(localPath)
	if err != nil {
		return Info{}, fmt.Errorf("pull %s: %w", key, err)
	}
	defer func() { _ = root.Close() }()
	var total int64
	for _, e := range m.Files {
		if err := CheckKey(e.Path); err != nil || e.Path == ManifestName {
			return Info{}, fmt.Errorf("pull %s: manifest names %q: not a relative path", key, e.Path)
		}
		if e.Dir {
			if err := root.MkdirAll(e.Path, 0o755); err != nil {
				return Info{}, fmt.Errorf("pull %s: %w", key, err)
			}
			continue
		}
		if dir := path.Dir(e.Path); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return Info{}, fmt.Errorf("pull %s: %w", key, err)
			}
		}
		rc, info, err := s.Get(ctx, key+"/"+e.Path)
		if err != nil {
			return Info{}, fmt.Errorf("pull %s: %w", key, err)
		}
		info.Size, info.Digest = e.Size, e.Digest
		mode := fs.FileMode(0o644)
		if e.Executable {
			mode = 0o755
		}
		err = pullFile(ctx, root, e.Path, rc, info, mode, readOnly)
		_ = rc.Close()
		if err != nil {
			return Info{}, fmt.Errorf("pull %s: %w", key, err)
		}
		total += e.Size
	}
	return Info{Key: key, Size: total, Digest: mi.Digest, ModTime: mi.ModTime}, nil
}

func readManifest(ctx context.Context, s Store, key string) (Manifest, Info, error) {
	rc, mi, err := s.Get(ctx, key+"/"+ManifestName)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Manifest{}, Info{}, fmt.Errorf("%w: %s", ErrNotFound, s.URI(key))
		}
		return Manifest{}, Info{}, fmt.Errorf("pull %s: %w", key, err)
	}
	defer func() { _ = rc.Close() }()
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return Manifest{}, Info{}, fmt.Errorf("pull %s: manifest: %w", key, err)
	}
	sum := sha256.Sum256(raw)
	mi.Digest = "sha256:" + hex.EncodeToString(sum[:])
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Manifest{}, Info{}, fmt.Errorf("pull %s: manifest: %w", key, err)
	}
	return m, mi, nil
}

// tempName is a new name beside name for a file written and then renamed
// into place.
func tempName(name string) string {
	return fmt.Sprintf("%s.pull-%d", name, time.Now().UnixNano())
}

// pullFile writes r to name under root through a temporary file renamed
// into place, and checks size and digest against want (when known).
// readOnly takes the write bits off mode and links a file of the
// filesystem store rather than copying it, where the link can be made.
func pullFile(ctx context.Context, root *os.Root, name string, r io.Reader, want Info, mode fs.FileMode, readOnly bool) error {
	if readOnly {
		mode &^= 0o222
		if src, ok := r.(*os.File); ok {
			linked, err := linkReadOnly(root, name, src, want, mode)
			if linked || err != nil {
				return err
			}
		}
	}
	tmp := tempName(name)
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = root.Remove(tmp)
		}
	}()
	var n int64
	var digest string
	if src, ok := r.(*os.File); ok {
		// A file of the filesystem store, which the server wrote and
		// hashed itself: the kernel copies it (copy_file_range), and
		// the size is checked.
		n, err = io.Copy(f, src)
		digest = want.Digest
	} else {
		n, digest, err = copyHashed(ctx, f, r, 0)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if n != want.Size || (want.Digest != "" && digest != want.Digest) {
		return fmt.Errorf("%s: got %d bytes with %s, the store recorded %d bytes with %s", name, n, digest, want.Size, want.Digest)
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		return err
	}
	ok = true
	return nil
}

// linkReadOnly makes name under root a hard link to src, a file of the
// filesystem store, after checking its size and making it mode (read
// only). It returns false, and no error, when the link cannot be made, for
// the caller to copy instead.
func linkReadOnly(root *os.Root, name string, src *os.File, want Info, mode fs.FileMode) (bool, error) {
	fi, err := src.Stat()
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != want.Size {
		return false, fmt.Errorf("%s: got %d bytes, the store recorded %d bytes", name, fi.Size(), want.Size)
	}
	if src.Chmod(mode) != nil {
		return false, nil // not the server's to make read-only: copy
	}
	err = linkFile(root, name, src)
	var le *os.LinkError
	if errors.As(err, &le) || errors.Is(err, errors.ErrUnsupported) {
		return false, nil
	}
	return err == nil, err
}
