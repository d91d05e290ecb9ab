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

// copyBuffers is how many buffers a copy has in flight: while one is
// written, others are hashed, so hashing runs beside the I/O.
const copyBuffers = 4

// copyHashed copies r to w, at most maxBytes (>0) of it, returning the size
// and "sha256:<hex>" of what was copied. More than maxBytes is an error
// wrapping ErrTooLarge (the caller names key and cap); a done ctx stops it.
// The sha256 of each chunk is computed by another goroutine while the next
// one is read and written.
func copyHashed(ctx context.Context, w io.Writer, r io.Reader, maxBytes int64) (int64, string, error) {
	h := sha256.New()
	free := make(chan []byte, copyBuffers)
	for range copyBuffers {
		free <- make([]byte, copyBufSize)
	}
	toHash := make(chan []byte, copyBuffers)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range toHash {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()
	var n int64
	var err error
	for {
		if err = ctx.Err(); err != nil {
			break
		}
		buf := <-free
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			if maxBytes > 0 && n+int64(k) > maxBytes {
				err = ErrTooLarge
				break
			}
			if _, err = w.Write(buf[:k]); err != nil {
				break
			}
			n += int64(k)
			toHash <- buf[:k]
		} else {
			free <- buf
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(toHash)
	<-hashed
	if err != nil {
		return n, "", err
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

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
