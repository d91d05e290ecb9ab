package artifactstore

import "os"

// writebackChunk is how much a writebackWriter lets pile up before it
// starts writing it to disk.
const writebackChunk = 8 << 20

// writebackWriter writes to f and, every writebackChunk bytes, has
// another goroutine start writing them to disk without waiting for them
// (startWriteback), so that the fsync that makes a Put durable finds most
// of the file written, while the writes and the hashing went on. Close
// waits for that goroutine; the caller still fsyncs.
type writebackWriter struct {
	f       *os.File
	off     int64 // bytes written
	started int64 // bytes handed to the goroutine
	ranges  chan [2]int64
	done    chan struct{}
}

func newWritebackWriter(f *os.File) *writebackWriter {
	w := &writebackWriter{f: f, ranges: make(chan [2]int64, 64), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for r := range w.ranges {
			startWriteback(f, r[0], r[1])
		}
	}()
	return w
}

func (w *writebackWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.started >= writebackChunk {
		select {
		case w.ranges <- [2]int64{w.started, w.off - w.started}:
			w.started = w.off
		default:
			// The disk is behind: the fsync will write this too.
		}
	}
	return n, err
}

// Close stops the goroutine (not the file).
func (w *writebackWriter) Close() {
	close(w.ranges)
	<-w.done
}
