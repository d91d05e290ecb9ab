package local

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// terminationMessage reads what the replica wrote to its termination
// message file, or with FallbackToLogsOnError the tail of its log when it
// failed and wrote nothing.
func terminationMessage(rep *replica, c *corev1.Container, code int32) string {
	data, err := readTail(filepath.Join(rep.dir, terminationFile), maxTerminationMessage)
	if err == nil && len(data) > 0 {
		return string(data)
	}
	if code == 0 || c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError {
		return ""
	}
	// The tail of the log, across a rotation.
	data, err = rep.log.tail(maxTerminationMessage * 4)
	if err != nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if _, msg, ok := parseCRILine(l); ok {
			lines = append(lines, msg)
		}
	}
	msg := strings.Join(lines, "\n")
	if len(msg) > maxTerminationMessage {
		msg = msg[len(msg)-maxTerminationMessage:]
	}
	return msg
}

// readTail returns at most n bytes from the end of file.
func readTail(file string, n int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > n {
		if _, err := f.Seek(fi.Size()-n, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(io.LimitReader(f, n))
}

// criWriter writes the lines of a replica's streams to one file in the CRI
// log format: `<RFC3339Nano time> <stream> <F|P> <text>`.
type criWriter struct {
	mu   sync.Mutex
	file io.Writer
}

// maxLogLine is the longest log line written in one piece; longer lines
// are split into partial (P) lines, as the kubelet does.
const maxLogLine = 16 * 1024

// copyLines copies the lines of one stream from r until it ends.
func (w *criWriter) copyLines(name string, r io.Reader) {
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			tag := "P"
			if line[len(line)-1] == '\n' {
				tag, line = "F", line[:len(line)-1]
			} else if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				tag = "F"
			}
			w.mu.Lock()
			fmt.Fprintf(w.file, "%s %s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), name, tag, line)
			w.mu.Unlock()
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// parseCRILine splits a CRI log line into its time and text.
func parseCRILine(l string) (time.Time, string, bool) {
	parts := strings.SplitN(l, " ", 4)
	if len(parts) != 4 {
		return time.Time{}, "", false
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return time.Time{}, "", false
	}
	return t, parts[3], true
}
