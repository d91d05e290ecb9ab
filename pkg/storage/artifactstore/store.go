package artifactstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) when an object does not exist.
var ErrNotFound = errors.New("artifact not found")

// ErrTooLarge is returned (wrapped, with the cap named) when more than the
// cap given to Put or PushPath is written.
var ErrTooLarge = errors.New("artifact too large")

// ErrInvalidKey is returned (wrapped) for keys that are empty, absolute, or
// have empty, "." or ".." segments.
var ErrInvalidKey = errors.New("invalid artifact key")

// Info describes a stored object (or, from PushPath and PullPath, a whole
// directory artifact).
type Info struct {
	// Key is the object's key, without the store's prefix.
	Key string `json:"key"`
	// Size is the number of bytes (of all files, for a directory).
	Size int64 `json:"size"`
	// Digest is "sha256:<hex>" of the content (of the manifest, for a
	// directory).
	Digest string `json:"digest"`
	// ModTime is when the object was written.
	ModTime time.Time `json:"modTime"`
}

// Store keeps artifacts under keys. Implementations are safe for concurrent
// use.
type Store interface {
	// Put streams r to key, computing size and sha256; more than maxBytes
	// (>0) fails with an error wrapping ErrTooLarge naming the cap, and
	// leaves no object behind (an existing one is kept).
	Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (Info, error)
	// Get opens the object at key; a missing one is ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the object at key; a missing one is ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// List returns the objects of the subtree prefix (the object prefix
	// itself and those under prefix+"/"; "" is everything), sorted by key.
	List(ctx context.Context, prefix string) ([]Info, error)
	// DeletePrefix deletes the subtree prefix (as List selects it); a
	// missing subtree is no error.
	DeletePrefix(ctx context.Context, prefix string) error
	// URI is where key lives, for status and for users: file:///abs/path
	// or s3://bucket/prefix/key.
	URI(key string) string
}

// Key builds <namespace>/<kind>/<name>/<uid>/<task>/<artifact>, the key of
// one artifact (the store adds its own prefix). It returns "" when a
// segment is invalid (see NewKey), which every Store refuses with
// ErrInvalidKey.
func Key(namespace, kind, name, uid, task, artifact string) string {
	k, err := NewKey(namespace, kind, name, uid, task, artifact)
	if err != nil {
		return ""
	}
	return k
}

// NewKey is Key with an error naming the invalid segment: segments must be
// non-empty, not "." or "..", and hold no "/", "\" or NUL.
func NewKey(namespace, kind, name, uid, task, artifact string) (string, error) {
	segs := []struct{ field, v string }{
		{"namespace", namespace}, {"kind", kind}, {"name", name},
		{"uid", uid}, {"task", task}, {"artifact", artifact},
	}
	parts := make([]string, 0, len(segs))
	for _, s := range segs {
		if err := validSegment(s.v); err != nil {
			return "", fmt.Errorf("%w: %s %q: %v", ErrInvalidKey, s.field, s.v, err)
		}
		parts = append(parts, s.v)
	}
	return strings.Join(parts, "/"), nil
}

// OwnerPrefix is the subtree of one owner object's artifacts,
// <namespace>/<kind>/<name>/<uid>, for List and DeletePrefix; "" when a
// segment is invalid.
func OwnerPrefix(namespace, kind, name, uid string) string {
	for _, s := range []string{namespace, kind, name, uid} {
		if validSegment(s) != nil {
			return ""
		}
	}
	return strings.Join([]string{namespace, kind, name, uid}, "/")
}

func validSegment(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case s == "." || s == "..":
		return errors.New(`must not be "." or ".."`)
	case strings.ContainsAny(s, "/\\\x00"):
		return errors.New(`must not contain "/", "\" or NUL`)
	}
	return nil
}

// CheckKey validates a key given to a Store: relative, "/"-separated
// segments that are each valid (see NewKey).
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	for _, seg := range strings.Split(key, "/") {
		if err := validSegment(seg); err != nil {
			return fmt.Errorf("%w: %q: segment %q %v", ErrInvalidKey, key, seg, err)
		}
	}
	return nil
}

// checkPrefix validates a prefix given to List or DeletePrefix: "" (all),
// or a key with an optional trailing "/". It returns the prefix without it.
func checkPrefix(prefix string) (string, error) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		if prefix != "" {
			return "", fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
		}
		return "", nil
	}
	if err := CheckKey(p); err != nil {
		return "", err
	}
	return p, nil
}

// inSubtree reports whether key is prefix or under prefix+"/".
func inSubtree(key, prefix string) bool {
	return prefix == "" || key == prefix || strings.HasPrefix(key, prefix+"/")
}

// tooLarge is the error of a write over maxBytes.
func tooLarge(key string, maxBytes int64) error {
	return fmt.Errorf("%w: %s is over the cap of %d bytes", ErrTooLarge, key, maxBytes)
}
