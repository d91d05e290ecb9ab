package artifactstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// tmpDir holds the files of Puts in flight, under the root; keys may not
// start with it.
const tmpDir = ".tmp"

// staleTmp is how old a leftover of an interrupted Put must be before
// NewFilesystem removes it.
const staleTmp = time.Hour

// Filesystem is a Store in a directory tree: the object at key is the file
// <root>/<key>, mode 0600 (0444 or 0555 once PullPathReadOnly linked it) in
// directories of mode 0700. Writes go to a
// temporary file that is synced and renamed into place, so a reader sees
// the old object or the new one, never part of one; the file's writeback
// starts while it is written and hashed, so the sync waits for little. All access goes
// through an os.Root, so no key, symlink or race can reach outside the
// root.
type Filesystem struct {
	dir  string
	root *os.Root
}

var _ Store = &Filesystem{}

// NewFilesystem opens (creating it, mode 0700) the store rooted at dir and
// removes the leftovers of Puts interrupted more than an hour ago.
func NewFilesystem(dir string) (*Filesystem, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact store root %q: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("create artifact store root: %w", err)
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, fmt.Errorf("artifact store root: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open artifact store root: %w", err)
	}
	s := &Filesystem{dir: abs, root: root}
	s.removeStaleTmp()
	return s, nil
}

// Close releases the root directory.
func (s *Filesystem) Close() error { return s.root.Close() }

// Dir is the absolute root directory.
func (s *Filesystem) Dir() string { return s.dir }

func (s *Filesystem) removeStaleTmp() {
	entries, err := fs.ReadDir(s.root.FS(), tmpDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTmp {
			_ = s.root.Remove(path.Join(tmpDir, e.Name()))
		}
	}
}

func (s *Filesystem) checkKey(key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return fmt.Errorf("%w: %q: %s is reserved", ErrInvalidKey, key, tmpDir)
	}
	return nil
}

// Put implements Store.
func (s *Filesystem) Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (Info, error) {
	if err := s.checkKey(key); err != nil {
		return Info{}, err
	}
	parent := path.Dir(key)
	if parent != "." {
		if err := s.root.MkdirAll(parent, 0o700); err != nil {
			return Info{}, fmt.Errorf("put %s: %w", key, err)
		}
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(tmpDir, hex.EncodeToString(rnd[:]))
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	done := false
	defer func() {
		if !done {
			_ = f.Close()
			_ = s.root.Remove(tmp)
		}
	}()
	// The file goes to disk while it is written and hashed, so the fsync
	// below waits for the last chunk only.
	wb := newWritebackWriter(f)
	size, digest, err := copyHashed(ctx, wb, r, maxBytes)
	wb.Close()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return Info{}, tooLarge(key, maxBytes)
		}
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	setDigestAttr(f, digest)
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("put %s: sync: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := s.root.Rename(tmp, key); err != nil {
		_ = s.root.Remove(tmp)
		done = true
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	done = true
	s.syncDir(parent)
	return Info{Key: key, Size: size, Digest: digest, ModTime: fi.ModTime()}, nil
}

// syncDir makes a rename in dir durable.
func (s *Filesystem) syncDir(dir string) {
	if d, err := s.root.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// open opens the regular file at key; a missing one or a directory is
// ErrNotFound.
func (s *Filesystem) open(key string) (*os.File, Info, error) {
	if err := s.checkKey(key); err != nil {
		return nil, Info{}, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, Info{}, fmt.Errorf("open %s: %w", key, err)
	}
	info, err := s.fileInfo(key, f)
	if err != nil {
		_ = f.Close()
		return nil, Info{}, err
	}
	return f, info, nil
}

// fileInfo describes the open file f at key, computing (and recording) its
// digest when the file system kept none.
func (s *Filesystem) fileInfo(key string, f *os.File) (Info, error) {
	fi, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	digest := digestAttr(f)
	if digest == "" {
		_, digest, err = copyHashed(context.Background(), io.Discard, f, 0)
		if err != nil {
			return Info{}, fmt.Errorf("digest %s: %w", key, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Info{}, fmt.Errorf("digest %s: %w", key, err)
		}
		setDigestAttr(f, digest)
	}
	return Info{Key: key, Size: fi.Size(), Digest: digest, ModTime: fi.ModTime()}, nil
}

// Get implements Store.
func (s *Filesystem) Get(_ context.Context, key string) (io.ReadCloser, Info, error) {
	f, info, err := s.open(key)
	if err != nil {
		return nil, Info{}, err
	}
	return f, info, nil
}

// Stat implements Store.
func (s *Filesystem) Stat(_ context.Context, key string) (Info, error) {
	f, info, err := s.open(key)
	if err != nil {
		return Info{}, err
	}
	_ = f.Close()
	return info, nil
}

// List implements Store.
func (s *Filesystem) List(ctx context.Context, prefix string) ([]Info, error) {
	p, err := checkPrefix(prefix)
	if err != nil {
		return nil, err
	}
	start := "."
	if p != "" {
		if err := s.checkKey(p); err != nil {
			return nil, err
		}
		start = p
	}
	var out []Info
	err = fs.WalkDir(s.root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if name == tmpDir {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := s.root.Open(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while listing
			}
			return err
		}
		info, err := s.fileInfo(name, f)
		_ = f.Close()
		if err != nil {
			return err
		}
		out = append(out, info)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// DeletePrefix implements Store. It also removes the directories the
// subtree leaves empty, up to the root.
func (s *Filesystem) DeletePrefix(_ context.Context, prefix string) error {
	p, err := checkPrefix(prefix)
	if err != nil {
		return err
	}
	if p == "" {
		entries, err := fs.ReadDir(s.root.FS(), ".")
		if err != nil {
			return fmt.Errorf("delete all: %w", err)
		}
		for _, e := range entries {
			if e.Name() == tmpDir {
				continue
			}
			if err := s.root.RemoveAll(e.Name()); err != nil {
				return fmt.Errorf("delete all: %w", err)
			}
		}
		return nil
	}
	if err := s.checkKey(p); err != nil {
		return err
	}
	if err := s.root.RemoveAll(p); err != nil && !isNotDir(err) {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil {
			break // not empty (or gone)
		}
	}
	s.syncDir(path.Dir(p))
	return nil
}

// URI implements Store: file:///<root>/<key>.
func (s *Filesystem) URI(key string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.dir, filepath.FromSlash(key)))}).String()
}

// Path is the local file of key, for callers on the same host (the local
// runtime) that hand it to a process directly.
func (s *Filesystem) Path(key string) (string, error) {
	if err := s.checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}
