package artifactstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"sync"
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
		free <- getBuf(copyBufSize)
	}
	defer func() {
		for range copyBuffers {
			putBuf(<-free)
		}
	}()
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
	for done := false; !done && err == nil; {
		if err = ctx.Err(); err != nil {
			break
		}
		buf := <-free
		k, rerr := io.ReadFull(r, buf)
		switch {
		case k == 0:
		case maxBytes > 0 && n+int64(k) > maxBytes:
			err = ErrTooLarge
		default:
			if _, err = w.Write(buf[:k]); err == nil {
				n += int64(k)
				toHash <- buf[:k]
				buf = nil // the hasher gives it back
			}
		}
		if buf != nil {
			free <- buf
		}
		switch {
		case err != nil:
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			done = true
		case rerr != nil:
			err = rerr
		}
	}
	close(toHash)
	<-hashed
	if err != nil {
		return n, "", err
	}
	return n, digestOf(h), nil
}

// bufPools keep the buffers of copies (copyBufSize) and of S3 uploads
// (s3PartSize), so that pushing a directory of many small files does not
// allocate them per file.
var bufPools sync.Map // size -> *sync.Pool

func getBuf(size int) []byte {
	p, _ := bufPools.LoadOrStore(size, &sync.Pool{New: func() any { b := make([]byte, size); return &b }})
	return *(p.(*sync.Pool).Get().(*[]byte))
}

func putBuf(b []byte) {
	b = b[:cap(b)]
	if p, ok := bufPools.Load(len(b)); ok {
		p.(*sync.Pool).Put(&b)
	}
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
