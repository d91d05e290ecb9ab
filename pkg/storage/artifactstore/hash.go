package artifactstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"syscall"
)

// copyBufSize is the buffer of streaming copies: large enough that the
// per-call overhead of reads, writes and hashing is lost in the noise.
const copyBufSize = 1 << 20

// copyHashed copies r to w, at most maxBytes (>0) of it, returning the size
// and "sha256:<hex>" of what was copied. More than maxBytes is an error
// wrapping ErrTooLarge (the caller names key and cap); a done ctx stops it.
func copyHashed(ctx context.Context, w io.Writer, r io.Reader, maxBytes int64) (int64, string, error) {
	h := sha256.New()
	src := io.Reader(&ctxReader{ctx: ctx, r: r})
	if maxBytes > 0 {
		src = io.LimitReader(src, maxBytes+1)
	}
	buf := make([]byte, copyBufSize)
	n, err := io.CopyBuffer(io.MultiWriter(w, h), struct{ io.Reader }{src}, buf)
	if err != nil {
		return n, "", err
	}
	if maxBytes > 0 && n > maxBytes {
		return n, "", ErrTooLarge
	}
	return n, digestOf(h), nil
}

func digestOf(h hash.Hash) string {
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// hashingReader hashes and counts what is read through it, and refuses
// more than max (>0) bytes.
type hashingReader struct {
	ctx context.Context
	r   io.Reader
	h   hash.Hash
	n   int64
	max int64
}

func newHashingReader(ctx context.Context, r io.Reader, maxBytes int64) *hashingReader {
	return &hashingReader{ctx: ctx, r: r, h: sha256.New(), max: maxBytes}
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	if err := hr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	if hr.max > 0 && hr.n > hr.max {
		return n, ErrTooLarge
	}
	return n, err
}

func (hr *hashingReader) digest() string { return digestOf(hr.h) }

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
