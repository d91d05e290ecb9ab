//go:build linux

package artifactstore

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// copyOnly hides the filesystem store's files behind plain readers, as a
// store that keeps no local files serves them.
type copyOnly struct{ *Filesystem }

func (c copyOnly) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	rc, info, err := c.Filesystem.Get(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	return struct {
		io.Reader
		io.Closer
	}{rc, rc}, info, nil
}

// A read-only pull from the filesystem store links the store's files
// (no copy) and makes them read-only; a later Put of the key replaces the
// store's file, never what was pulled; from a store without local files
// the pull copies, read-only too.
func TestPullPathReadOnly(t *testing.T) {
	tmp := t.TempDir()
	s, err := NewFilesystem(filepath.Join(tmp, "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	data := bytes.Repeat([]byte("weights"), 4096)
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(filepath.Join(src, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "model.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "bin", "serve"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fileKey := Key("ns", "pipelineruns", "r", "u", "prepare", "data")
	dirKey := Key("ns", "pipelineruns", "r", "u", "train", "model")
	if _, err := s.Put(ctx, fileKey, bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := PushPath(ctx, s, dirKey, src, 0); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(tmp, "work", "in")
	info, err := PullPathReadOnly(ctx, s, fileKey, filepath.Join(out, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("size %d, want %d", info.Size, len(data))
	}
	if _, err := PullPathReadOnly(ctx, s, dirKey, filepath.Join(out, "model")); err != nil {
		t.Fatal(err)
	}
	storeFile, _ := s.Path(fileKey)
	for _, c := range []struct {
		pulled, stored string
		mode           os.FileMode
		want           []byte
	}{
		{filepath.Join(out, "data"), storeFile, 0o444, data},
		{filepath.Join(out, "model", "model.bin"), filepath.Join(s.Dir(), filepath.FromSlash(dirKey), "model.bin"), 0o444, data},
		{filepath.Join(out, "model", "bin", "serve"), filepath.Join(s.Dir(), filepath.FromSlash(dirKey), "bin", "serve"), 0o555, []byte("#!/bin/sh\n")},
	} {
		pf, err := os.Stat(c.pulled)
		if err != nil {
			t.Fatal(err)
		}
		sf, err := os.Stat(c.stored)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(pf, sf) {
			t.Errorf("%s is not a link to the store's %s", c.pulled, c.stored)
		}
		if pf.Mode().Perm() != c.mode || sf.Mode().Perm() != c.mode {
			t.Errorf("%s mode %v (store's %v), want %v", c.pulled, pf.Mode().Perm(), sf.Mode().Perm(), c.mode)
		}
		if got, err := os.ReadFile(c.pulled); err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes (%v), want the %d pushed", c.pulled, len(got), err, len(c.want))
		}
	}

	// A new object at the key is a new file: what was pulled keeps the
	// old content, and pulling again gets the new one.
	if _, err := s.Put(ctx, fileKey, bytes.NewReader([]byte("v2")), 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "data")); !bytes.Equal(got, data) {
		t.Errorf("a Put changed a pulled file: %q", got[:min(len(got), 16)])
	}
	if _, err := PullPathReadOnly(ctx, s, fileKey, filepath.Join(out, "data")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "data")); string(got) != "v2" {
		t.Errorf("pulled again: %q, want v2", got)
	}

	// Without local files the pull copies, read-only.
	cp := filepath.Join(tmp, "work", "copy")
	if _, err := PullPathReadOnly(ctx, copyOnly{s}, dirKey, cp); err != nil {
		t.Fatal(err)
	}
	pf, err := os.Stat(filepath.Join(cp, "model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	sf, _ := os.Stat(filepath.Join(s.Dir(), filepath.FromSlash(dirKey), "model.bin"))
	if os.SameFile(pf, sf) || pf.Mode().Perm() != 0o444 {
		t.Errorf("copied input: same file %v, mode %v; want a copy of mode 0444", os.SameFile(pf, sf), pf.Mode().Perm())
	}
	if got, _ := os.ReadFile(filepath.Join(cp, "model.bin")); !bytes.Equal(got, data) {
		t.Error("copied input differs from the pushed file")
	}
}

// On another file system (a tmpfs) the link cannot be made and the pull
// copies.
func TestPullPathReadOnlyAcrossFileSystems(t *testing.T) {
	s, err := NewFilesystem(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	other, err := os.MkdirTemp("/dev/shm", "pull-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(other) })
	var a, b syscall.Stat_t
	if syscall.Stat(other, &a) != nil || syscall.Stat(s.Dir(), &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is on the store's file system")
	}
	ctx := context.Background()
	key := Key("ns", "pipelineruns", "r", "u", "prepare", "data")
	if _, err := s.Put(ctx, key, bytes.NewReader([]byte("rows")), 0); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(other, "data")
	if _, err := PullPathReadOnly(ctx, s, key, p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "rows" || fi.Mode().Perm() != 0o444 {
		t.Errorf("pulled %q mode %v, want rows, 0444", got, fi.Mode().Perm())
	}
}
