package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"k8s.io/klog/v2"
)

// LogLimits bound the log files of a replica, as the kubelet's
// containerLogMaxSize and containerLogMaxFiles bound a container's: the
// live file is rotated once it would pass MaxSize, and at most MaxFiles
// files (the live one included) are kept, the oldest removed first.
type LogLimits struct {
	// MaxSize is the size in bytes a log file is rotated at.
	MaxSize int64
	// MaxFiles is how many files of one replica are kept, at least 2.
	MaxFiles int
}

// Defaults of LogLimits: the kubelet's.
const (
	DefaultLogMaxSize  = 10 << 20
	DefaultLogMaxFiles = 5
)

// withDefaults fills in the zero values.
func (l LogLimits) withDefaults() LogLimits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLogMaxSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLogMaxFiles
	}
	l.MaxFiles = max(l.MaxFiles, 2)
	return l
}

// logFiles are the log files of one replica: the live file (LogPath) and
// the rotated ones, named by the offset of their first byte in the
// replica's whole log. Offsets count every byte ever written to the
// replica's log, so the offsets where runs began stay meaningful across
// rotations; the bytes before the oldest file kept are gone.
type logFiles struct {
	dir    string
	limits LogLimits

	mu sync.Mutex
	// f is the live file while a run writes to it.
	f *os.File
	// base is the offset of the live file's first byte, size its size.
	base, size int64
	// rotated are the offsets of the rotated files kept, oldest first.
	rotated []int64
}

func newLogFiles(dir string, limits LogLimits) *logFiles {
	return &logFiles{dir: dir, limits: limits.withDefaults()}
}

// rotatedPath is the rotated file that begins at offset base.
func (l *logFiles) rotatedPath(base int64) string {
	return filepath.Join(l.dir, fmt.Sprintf("%s.%020d", logFile, base))
}

// openLog opens the replica's log for a run, and records the offset
// where the run begins. The run writes to what it returns and closes it
// once it ended.
func (r *Runtime) openLog(rep *replica) (io.WriteCloser, error) {
	r.mu.Lock()
	if rep.log == nil {
		rep.log = newLogFiles(rep.dir, r.logLimits)
	}
	l := rep.log
	r.mu.Unlock()
	offset, err := l.open()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	rep.runOffsets = append(rep.runOffsets, offset)
	r.mu.Unlock()
	return l, nil
}

// open opens the live file and returns the offset of its end.
func (l *logFiles) open() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f, err := os.OpenFile(LogPath(l.dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return 0, err
		}
		fi, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return 0, err
		}
		l.f, l.size = f, fi.Size()
	}
	return l.base + l.size, nil
}

// Write appends p, rotating first when p would take the live file past
// its size. Callers write whole lines, so every file holds whole lines.
func (l *logFiles) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.limits.MaxSize {
		if err := l.rotateLocked(); err != nil {
			klog.ErrorS(err, "Rotate the log of a replica", "dir", l.dir)
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotateLocked removes the oldest files that the rotation would put past
// MaxFiles, then renames the live file after its first offset and starts a
// new one: the files on disk never number more than MaxFiles, not even
// between two steps.
func (l *logFiles) rotateLocked() error {
	for len(l.rotated) > l.limits.MaxFiles-2 {
		if err := os.Remove(l.rotatedPath(l.rotated[0])); err != nil && !os.IsNotExist(err) {
			klog.ErrorS(err, "Remove a rotated log file", "dir", l.dir)
		}
		l.rotated = l.rotated[1:]
	}
	live, rotated := LogPath(l.dir), l.rotatedPath(l.base)
	if err := os.Rename(live, rotated); err != nil {
		return err
	}
	f, err := os.OpenFile(live, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_EXCL, 0o600)
	if err != nil {
		// Keep writing to the file we have, under its live name.
		return errors.Join(err, os.Rename(rotated, live))
	}
	_ = l.f.Close()
	l.f = f
	l.rotated = append(l.rotated, l.base)
	l.base += l.size
	l.size = 0
	return nil
}

// Close closes the live file at the end of a run.
func (l *logFiles) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// end is the offset after the last byte written.
func (l *logFiles) end() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base + l.size
}

// openAt opens the file that holds offset pos, positioned there: or, when
// pos was rotated away, the oldest file kept, at its start. It returns
// the offset it is at, and the offset where the file ends (-1 for the
// live file, which may grow), and the offset the file begins at.
func (l *logFiles) openAt(pos int64) (f *os.File, at, base, end int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	bases := append(slices.Clone(l.rotated), l.base)
	if pos < bases[0] {
		pos = bases[0]
	}
	i := len(bases) - 1
	for i > 0 && bases[i] > pos {
		i--
	}
	path, end := LogPath(l.dir), int64(-1)
	if i < len(bases)-1 {
		path, end = l.rotatedPath(bases[i]), bases[i+1]
	}
	if f, err = os.Open(path); err != nil {
		return nil, 0, 0, 0, err
	}
	if _, err := f.Seek(pos-bases[i], io.SeekStart); err != nil {
		_ = f.Close()
		return nil, 0, 0, 0, err
	}
	return f, pos, bases[i], end, nil
}

// endOf is where the file that begins at base ends: -1 while it is the
// live file.
func (l *logFiles) endOf(base int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if base == l.base {
		return -1
	}
	for _, b := range l.rotated {
		if b > base {
			return b
		}
	}
	return l.base
}

// reader reads the replica's log from offset from (or the oldest byte
// kept) to offset to (-1: on to the end of the live file, which a
// follower reads again once it grew), across rotations: a file renamed
// while it is read is read to its end, then the next one.
func (l *logFiles) reader(from, to int64) *logReader {
	return &logReader{l: l, pos: from, limit: to}
}

// tail returns at most n bytes of the end of the log.
func (l *logFiles) tail(n int64) ([]byte, error) {
	if l == nil {
		return nil, os.ErrNotExist
	}
	end := l.end()
	rd := l.reader(max(0, end-n), end)
	defer rd.Close()
	return io.ReadAll(rd)
}

// logReader is an io.ReadCloser over a replica's log files.
type logReader struct {
	l          *logFiles
	pos, limit int64

	f         *os.File
	base, end int64
}

func (r *logReader) Read(p []byte) (int, error) {
	for {
		if r.limit >= 0 {
			if r.pos >= r.limit {
				return 0, io.EOF
			}
			if int64(len(p)) > r.limit-r.pos {
				p = p[:r.limit-r.pos]
			}
		}
		if r.f == nil {
			f, at, base, end, err := r.l.openAt(r.pos)
			if err != nil {
				return 0, err
			}
			r.f, r.pos, r.base, r.end = f, at, base, end
			continue
		}
		if r.end >= 0 {
			if r.pos >= r.end {
				r.closeFile()
				continue
			}
			if int64(len(p)) > r.end-r.pos {
				p = p[:r.end-r.pos]
			}
		}
		n, err := r.f.Read(p)
		r.pos += int64(n)
		if n > 0 {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if r.end < 0 {
			// The end of the live file, unless it was rotated since it
			// was opened: then the rest of it is still to read.
			if r.end = r.l.endOf(r.base); r.end < 0 {
				return 0, io.EOF
			}
			continue
		}
		// A rotated file shorter than it was: go on with the next one.
		r.pos = r.end
		r.closeFile()
	}
}

func (r *logReader) closeFile() {
	if r.f != nil {
		_ = r.f.Close()
		r.f = nil
	}
}

// Close closes the file being read.
func (r *logReader) Close() error {
	r.closeFile()
	return nil
}
