package logs

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// errLimit ends a response that reached limitBytes.
var errLimit = errors.New("limitBytes reached")

// stream is one log of a response: opened already, or opened by open
// (which may wait for a container to start).
type stream struct {
	label string
	// pod and uid say which pod's log it is; uid is empty for an archived
	// log stored without one.
	pod string
	uid types.UID
	// live is set for a pod's live log, of the run of its container that
	// had restarted restarts times.
	live     bool
	restarts int32
	rc       io.ReadCloser
	open     func(ctx context.Context) (io.ReadCloser, error)
}

// limitWriter stops writing after n bytes.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errLimit
	}
	if int64(len(p)) > l.n {
		n, err := l.w.Write(p[:l.n])
		l.n -= int64(n)
		if err == nil {
			err = errLimit
		}
		return n, err
	}
	n, err := l.w.Write(p)
	l.n -= int64(n)
	return n, err
}

// copyBufferBytes is how much is read from an upstream log at once.
const copyBufferBytes = 256 << 10

// onlyWriter hides a ReaderFrom, so that io.CopyBuffer uses its buffer.
type onlyWriter struct{ io.Writer }

// lineBatchBytes is how much prefixed output is gathered before a write
// when more input is at hand.
const lineBatchBytes = 128 << 10

// prefixLines reads r and hands emit batches of whole lines, each started
// with prefix; a last line without a newline gets one. A batch goes out
// whenever r has nothing more buffered, so followed lines are not held
// back. emit must not keep the batch.
func prefixLines(r io.Reader, prefix []byte, emit func([]byte) error) error {
	br := bufio.NewReaderSize(r, copyBufferBytes)
	batch := make([]byte, 0, lineBatchBytes+4096)
	atLineStart := true
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if atLineStart {
				batch = append(batch, prefix...)
			}
			batch = append(batch, line...)
			atLineStart = line[len(line)-1] == '\n'
		}
		if err == io.EOF && !atLineStart {
			batch = append(batch, '\n')
			atLineStart = true
		}
		if len(batch) > 0 && (len(batch) >= lineBatchBytes || br.Buffered() == 0 || err != nil && err != bufio.ErrBufferFull) {
			if werr := emit(batch); werr != nil {
				return werr
			}
			batch = batch[:0]
		}
		switch {
		case err == nil, err == bufio.ErrBufferFull:
		case err == io.EOF:
			return nil
		default:
			return err
		}
	}
}

// copyStreams writes streams to w: one after the other, or, following,
// interleaved line by line as they come. With prefix, every line starts
// with "[label] ". It closes every stream before returning.
func copyStreams(ctx context.Context, w io.Writer, streams []*stream, prefix, follow bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	closed := false
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		closed = true
		for _, s := range streams {
			if s.rc != nil {
				_ = s.rc.Close()
			}
		}
	}
	defer closeAll()
	// A client that goes away cancels ctx; closing the upstream streams
	// unblocks their reads.
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()

	openStream := func(s *stream) error {
		if s.rc != nil {
			return nil
		}
		rc, err := s.open(ctx)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if closed {
			_ = rc.Close()
			return ctx.Err()
		}
		s.rc = rc
		return nil
	}

	if !follow || len(streams) == 1 {
		for _, s := range streams {
			if err := openStream(s); err != nil {
				return err
			}
			var err error
			if prefix {
				p := []byte("[" + s.label + "] ")
				err = prefixLines(s.rc, p, func(b []byte) error { _, err := w.Write(b); return err })
			} else {
				_, err = io.CopyBuffer(onlyWriter{w}, s.rc, make([]byte, copyBufferBytes))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}

	// Following several logs: one reader each, one writer.
	batches := make(chan []byte)
	errs := make(chan error, len(streams))
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Go(func() {
			if err := openStream(s); err != nil {
				errs <- err
				return
			}
			p := []byte("[" + s.label + "] ")
			err := prefixLines(s.rc, p, func(b []byte) error {
				select {
				case batches <- append([]byte(nil), b...):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if err != nil && ctx.Err() == nil {
				errs <- err
			}
		})
	}
	go func() {
		wg.Wait()
		close(batches)
	}()
	for b := range batches {
		if _, err := w.Write(b); err != nil {
			cancel()
			for range batches {
			}
			return err
		}
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
