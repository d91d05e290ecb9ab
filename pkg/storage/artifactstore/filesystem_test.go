package artifactstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilesystem(t *testing.T) {
	s, err := NewFilesystem(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	testStore(t, s)
}

func TestFilesystemLayoutAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "artifacts")
	s, err := New(Config{Type: TypeFilesystem, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	fs := s.(*Filesystem)
	t.Cleanup(func() { _ = fs.Close() })
	ctx := context.Background()
	key := Key("team-a", "pipelineruns", "run", "0c1d", "prepare", "dataset")
	if _, err := s.Put(ctx, key, strings.NewReader("rows"), 0); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "team-a", "pipelineruns", "run", "0c1d", "prepare", "dataset")
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("the object is not at the documented path: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("object mode %v, want 0600", fi.Mode().Perm())
	}
	for d := filepath.Dir(file); ; d = filepath.Dir(d) {
		di, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Errorf("directory %s mode %v, want 0700", d, di.Mode().Perm())
		}
		if d == dir {
			break
		}
	}
	if got, want := s.URI(key), "file://"+file; got != want {
		t.Errorf("URI = %s, want %s", got, want)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A refused Put leaves no temporary file.
	if _, err := s.Put(ctx, key, strings.NewReader("too many bytes"), 3); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(entries) != 0 {
		t.Errorf("a refused Put left temporary files: %v", entries)
	}
	// Deleting the owner removes the directories it leaves empty.
	if err := s.DeletePrefix(ctx, OwnerPrefix("team-a", "pipelineruns", "run", "0c1d")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "team-a")); !os.IsNotExist(err) {
		t.Errorf("empty directories left after DeletePrefix: %v", err)
	}
	// The digest survives a reopen (kept in an xattr or recomputed).
	if _, err := s.Put(ctx, key, strings.NewReader("rows"), 0); err != nil {
		t.Fatal(err)
	}
	s2, err := NewFilesystem(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	if info, err := s2.Stat(ctx, key); err != nil || info.Digest != digestString([]byte("rows")) {
		t.Errorf("Stat after reopen: %+v, %v", info, err)
	}
}

func TestFilesystemRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "artifacts")
	s, err := NewFilesystem(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("host file"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A symlink inside the root (planted by someone with access to the
	// host) is not followed out of it.
	if err := os.Symlink(outside, filepath.Join(dir, "ns")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "ns/secret"); err == nil {
		t.Error("Get through a symlink out of the root succeeded")
	}
	if _, err := s.Put(ctx, "ns/new", strings.NewReader("x"), 0); err == nil {
		t.Error("Put through a symlink out of the root succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the root: %v", err)
	}
	for _, key := range []string{"../outside/secret", tmpDir + "/x"} {
		if _, _, err := s.Get(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Get(%q): got %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestKey(t *testing.T) {
	if got, want := Key("ns", "pipelineruns", "run", "uid", "task", "model"), "ns/pipelineruns/run/uid/task/model"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	for _, bad := range [][6]string{
		{"", "k", "n", "u", "t", "a"},
		{"ns", "k", "n/x", "u", "t", "a"},
		{"ns", "k", "n", "..", "t", "a"},
		{"ns", "k", "n", "u", "t", "."},
		{"ns", "k", "n", "u", "t", `a\b`},
	} {
		if got := Key(bad[0], bad[1], bad[2], bad[3], bad[4], bad[5]); got != "" {
			t.Errorf("Key(%q) = %q, want \"\"", bad, got)
		}
		if _, err := NewKey(bad[0], bad[1], bad[2], bad[3], bad[4], bad[5]); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("NewKey(%q): got %v, want ErrInvalidKey", bad, err)
		}
	}
}
