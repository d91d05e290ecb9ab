package artifactstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testStore runs the behaviour every Store must have against s, which
// must be empty.
func testStore(t *testing.T, s Store) {
	t.Run("PutGetStat", func(t *testing.T) { testPutGetStat(t, s) })
	t.Run("Cap", func(t *testing.T) { testCap(t, s) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, s) })
	t.Run("ListAndDeletePrefix", func(t *testing.T) { testListDelete(t, s) })
	t.Run("DirectoryRoundTrip", func(t *testing.T) { testDirRoundTrip(t, s) })
	t.Run("PushCapAndSymlinks", func(t *testing.T) { testPushRefusals(t, s) })
}

func digestString(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// source is data to Put: a stream, or an open regular file (the stores
// copy and hash those their own way).
func source(t *testing.T, data []byte, fromFile bool) io.Reader {
	t.Helper()
	if !fromFile {
		return bytes.NewReader(data)
	}
	p := filepath.Join(t.TempDir(), "source")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func testPutGetStat(t *testing.T, s Store) {
	for _, fromFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("fromFile=%t", fromFile), func(t *testing.T) { testPutGetStatFrom(t, s, fromFile) })
	}
}

func testPutGetStatFrom(t *testing.T, s Store, fromFile bool) {
	ctx := context.Background()
	// One small object (one request) and one of several parts.
	for _, size := range []int{0, 1000, 2*s3PartSize + 12345} {
		key := Key("ns", "pipelineruns", "run", "uid-1", "train", "blob-"+strconv.Itoa(size))
		data := randomBytes(t, size)
		info, err := s.Put(ctx, key, source(t, data, fromFile), 0)
		if err != nil {
			t.Fatalf("Put(%d bytes): %v", size, err)
		}
		want := Info{Key: key, Size: int64(size), Digest: digestString(data)}
		if diff := cmp.Diff(want, info, ignoreTime); diff != "" {
			t.Errorf("Put(%d bytes) info (-want +got):\n%s", size, diff)
		}
		if info.ModTime.IsZero() {
			t.Errorf("Put(%d bytes): zero ModTime", size)
		}
		st, err := s.Stat(ctx, key)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if diff := cmp.Diff(want, st, ignoreTime); diff != "" {
			t.Errorf("Stat(%d bytes) (-want +got):\n%s", size, diff)
		}
		rc, gi, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("Get(%d bytes) returned %d different bytes", size, len(got))
		}
		if diff := cmp.Diff(want, gi, ignoreTime); diff != "" {
			t.Errorf("Get(%d bytes) info (-want +got):\n%s", size, diff)
		}
	}
	missing := Key("ns", "pipelineruns", "run", "uid-1", "train", "missing")
	if _, err := s.Stat(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat of a missing key: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing key: got %v, want ErrNotFound", err)
	}
	if err := s.DeletePrefix(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
}

var ignoreTime = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ModTime" }, cmp.Ignore())

func testCap(t *testing.T, s Store) {
	ctx := context.Background()
	key := "ns/capped"
	old := []byte("the old object")
	if _, err := s.Put(ctx, key, bytes.NewReader(old), 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		size, max int64
		fromFile  bool
	}{
		{"one request", 1001, 1000, false},
		{"multipart", 2*s3PartSize + 1, 2 * s3PartSize, false},
		{"file", 1001, 1000, true},
		{"large file", 2*s3PartSize + 1, 2 * s3PartSize, true},
		{"large file, cap inside a chunk", 2*s3PartSize + 1, s3PartSize + 4321, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Put(ctx, key, source(t, randomBytes(t, int(c.size)), c.fromFile), c.max)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Put of %d bytes with a cap of %d: got %v, want ErrTooLarge", c.size, c.max, err)
			}
			if !strings.Contains(err.Error(), strconv.FormatInt(c.max, 10)) {
				t.Errorf("error %q does not name the cap %d", err, c.max)
			}
			rc, _, err := s.Get(ctx, key)
			if err != nil {
				t.Fatalf("the old object is gone: %v", err)
			}
			got, _ := io.ReadAll(rc)
			_ = rc.Close()
			if !bytes.Equal(got, old) {
				t.Errorf("after a refused Put the object holds %d bytes, want the old %d", len(got), len(old))
			}
		})
	}
	exact := randomBytes(t, 1000)
	if info, err := s.Put(ctx, key, bytes.NewReader(exact), 1000); err != nil || info.Size != 1000 {
		t.Errorf("Put of exactly the cap: %v, %+v", err, info)
	}
	exact = randomBytes(t, 2*s3PartSize+1)
	if info, err := s.Put(ctx, key, source(t, exact, true), int64(len(exact))); err != nil || info.Size != int64(len(exact)) || info.Digest != digestString(exact) {
		t.Errorf("Put of a file of exactly the cap: %v, %+v", err, info)
	}
	if err := s.DeletePrefix(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
}

func testInvalidKeys(t *testing.T, s Store) {
	ctx := context.Background()
	for _, key := range []string{"", "/abs", "../escape", "ns/../../escape", "ns//x", "ns/./x", "ns/x/", `ns\x`, "ns/..", Key("ns", "k", "n", "u", "t", "../../x")} {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 0); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q): got %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Stat(%q): got %v, want ErrInvalidKey", key, err)
		}
		if _, _, err := s.Get(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Get(%q): got %v, want ErrInvalidKey", key, err)
		}
	}
	for _, prefix := range []string{"/", "../x", "ns/../.."} {
		if err := s.DeletePrefix(ctx, prefix); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("DeletePrefix(%q): got %v, want ErrInvalidKey", prefix, err)
		}
		if _, err := s.List(ctx, prefix); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("List(%q): got %v, want ErrInvalidKey", prefix, err)
		}
	}
}

func keysOf(infos []Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func testListDelete(t *testing.T, s Store) {
	ctx := context.Background()
	keys := []string{"a/b/1", "a/b/sub/2", "a/bc/3", "a/b2", "x/4"}
	for _, k := range keys {
		if _, err := s.Put(ctx, k, strings.NewReader("content of "+k), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", keys2sorted(keys)},
		{"a/b", []string{"a/b/1", "a/b/sub/2"}},
		{"a/b/", []string{"a/b/1", "a/b/sub/2"}},
		{"a/b/1", []string{"a/b/1"}},
		{"a", []string{"a/b/1", "a/b/sub/2", "a/b2", "a/bc/3"}},
		{"nothing", nil},
	} {
		got, err := s.List(ctx, c.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", c.prefix, err)
		}
		if diff := cmp.Diff(c.want, keysOf(got)); diff != "" {
			t.Errorf("List(%q) (-want +got):\n%s", c.prefix, diff)
		}
		for _, i := range got {
			if i.Digest != digestString([]byte("content of "+i.Key)) {
				t.Errorf("List(%q): %s has digest %q", c.prefix, i.Key, i.Digest)
			}
		}
	}
	if err := s.DeletePrefix(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePrefix(ctx, "missing/subtree"); err != nil {
		t.Errorf("DeletePrefix of nothing: %v", err)
	}
	got, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/b2", "a/bc/3", "x/4"}, keysOf(got)); diff != "" {
		t.Errorf("after DeletePrefix(a/b) (-want +got):\n%s", diff)
	}
	if err := s.DeletePrefix(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx, ""); err != nil || len(got) != 0 {
		t.Errorf("after DeletePrefix(\"\"): %v, %v", keysOf(got), err)
	}
}

func keys2sorted(keys []string) []string {
	out := append([]string{}, keys...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// writeTree writes files (path -> content) under dir; a path ending in "/"
// is an empty directory.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree reads every file and directory under dir as writeTree takes them.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if entries, _ := os.ReadDir(p); len(entries) == 0 {
				out[rel+"/"] = nil
			}
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testDirRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	src := t.TempDir()
	files := map[string][]byte{
		"config.json":            []byte(`{"layers": 2}`),
		"weights/part-0.bin":     randomBytes(t, s3PartSize+777),
		"weights/part-1.bin":     randomBytes(t, 4096),
		"weights/deep/empty.txt": {},
		"tokenizer/":             nil,
	}
	writeTree(t, src, files)
	if err := os.Chmod(filepath.Join(src, "config.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	key := Key("ns", "trainingjobs", "tj", "uid-2", "trainer", "model")
	info, err := PushPath(ctx, s, key, src, 0)
	if err != nil {
		t.Fatalf("PushPath: %v", err)
	}
	var total int64
	for _, b := range files {
		total += int64(len(b))
	}
	if info.Key != key || info.Size != total || !strings.HasPrefix(info.Digest, "sha256:") {
		t.Errorf("PushPath info = %+v, want key %s, size %d", info, key, total)
	}
	// Pushing the same tree again gives the same digest.
	again, err := PushPath(ctx, s, key, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != info.Digest {
		t.Errorf("same tree, different digests: %s then %s", info.Digest, again.Digest)
	}
	dst := filepath.Join(t.TempDir(), "model")
	pulled, err := PullPath(ctx, s, key, dst)
	if err != nil {
		t.Fatalf("PullPath: %v", err)
	}
	if diff := cmp.Diff(info, pulled, ignoreTime); diff != "" {
		t.Errorf("PullPath info (-push +pull):\n%s", diff)
	}
	if diff := cmp.Diff(files, readTree(t, dst), cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("pulled tree differs (-pushed +pulled):\n%s", diff)
	}
	if fi, err := os.Stat(filepath.Join(dst, "config.json")); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("config.json lost its executable bit: %v %v", fi.Mode(), err)
	}

	// A single file round-trips too, over the directory that was there.
	one := filepath.Join(t.TempDir(), "data.csv")
	content := []byte("a,b\n1,2\n")
	if err := os.WriteFile(one, content, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := PushPath(ctx, s, key, one, 0)
	if err != nil {
		t.Fatalf("PushPath(file): %v", err)
	}
	if fi.Digest != digestString(content) {
		t.Errorf("file digest %s, want %s", fi.Digest, digestString(content))
	}
	out := filepath.Join(t.TempDir(), "sub", "data.csv")
	if _, err := PullPath(ctx, s, key, out); err != nil {
		t.Fatalf("PullPath(file): %v", err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, content) {
		t.Errorf("pulled file = %q, want %q", got, content)
	}
	if got, _ := s.List(ctx, key); len(got) != 1 {
		t.Errorf("after pushing a file over a directory the key holds %v", keysOf(got))
	}
	if _, err := PullPath(ctx, s, Key("ns", "trainingjobs", "tj", "uid-2", "trainer", "nope"), out); !errors.Is(err, ErrNotFound) {
		t.Errorf("PullPath of a missing artifact: got %v, want ErrNotFound", err)
	}
	if err := s.DeletePrefix(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
}

func testPushRefusals(t *testing.T, s Store) {
	ctx := context.Background()
	key := Key("ns", "pipelineruns", "run", "uid-3", "t", "out")
	src := t.TempDir()
	writeTree(t, src, map[string][]byte{"a": randomBytes(t, 600), "b/c": randomBytes(t, 600)})
	_, err := PushPath(ctx, s, key, src, 1000)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1000") {
		t.Errorf("PushPath of 1200 bytes with a cap of 1000: got %v, want ErrTooLarge naming 1000", err)
	}
	if got, _ := s.List(ctx, key); len(got) != 0 {
		t.Errorf("a refused push left %v", keysOf(got))
	}
	if _, err := PushPath(ctx, s, key, src, 1200); err != nil {
		t.Errorf("PushPath of exactly the cap: %v", err)
	}

	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := PushPath(ctx, s, key, src, 0); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("PushPath of a tree with a symlink: got %v, want a refusal naming the symlink", err)
	}
	if _, err := PushPath(ctx, s, key, filepath.Join(src, "link"), 0); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("PushPath of a symlink: got %v, want a refusal", err)
	}
	if err := s.DeletePrefix(ctx, ""); err != nil {
		t.Fatal(err)
	}
}
