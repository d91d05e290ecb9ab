package logstore

import (
	"bytes"
	"io"
)

// readTail reads r to its end and returns at most max of its last bytes,
// starting after a newline when anything was cut, and the full size read.
// It holds at most 2*max bytes, whatever the size of the log.
func readTail(r io.Reader, max int64) ([]byte, int64, error) {
	buf := make([]byte, 0, min(max, 1<<20)+4096)
	var total int64
	cut := false
	chunk := make([]byte, 64<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			total += int64(n)
			buf = append(buf, chunk[:n]...)
			if int64(len(buf)) > 2*max {
				buf = append(buf[:0], buf[int64(len(buf))-max:]...)
				cut = true
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, total, err
		}
	}
	if int64(len(buf)) > max {
		buf = buf[int64(len(buf))-max:]
		cut = true
	}
	if cut {
		// Start at a whole line, unless the kept tail is one line.
		if i := bytes.IndexByte(buf, '\n'); i >= 0 && i < len(buf)-1 {
			buf = buf[i+1:]
		}
	}
	return buf, total, nil
}
