package logs

import (
	"bytes"
	"io"
	"time"
)

// filterArchived applies tailLines, sinceSeconds and timestamps to an
// archived log, whose lines all start with their RFC3339Nano time and a
// space (the server archives with timestamps on).
func filterArchived(data []byte, tailLines, sinceSeconds *int64, timestamps bool, now time.Time) []byte {
	if tailLines != nil {
		data = lastLines(data, *tailLines)
	}
	if sinceSeconds == nil && timestamps {
		return data
	}
	var since time.Time
	if sinceSeconds != nil {
		since = now.Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	// Lines only get shorter or go: filter in place.
	out := data[:0]
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		ts, text := []byte(nil), line
		if sp := bytes.IndexByte(line, ' '); sp > 0 && looksLikeTimestamp(line[:sp]) {
			ts, text = line[:sp], line[sp+1:]
		}
		if sinceSeconds != nil && ts != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(ts)); err == nil && t.Before(since) {
				continue
			}
		}
		if timestamps {
			out = append(out, line...)
		} else {
			out = append(out, text...)
		}
	}
	return out
}

// lastLines returns the last n lines of data.
func lastLines(data []byte, n int64) []byte {
	if n == 0 {
		return nil
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if data[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

// readArchived reads an archived log and applies the options.
func readArchived(rc io.ReadCloser, tailLines, sinceSeconds *int64, timestamps bool, now time.Time) (io.ReadCloser, error) {
	defer rc.Close()
	var buf bytes.Buffer
	if sized, ok := rc.(interface{ Size() int64 }); ok {
		buf.Grow(int(sized.Size()) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return io.NopCloser(bytes.NewReader(filterArchived(data, tailLines, sinceSeconds, timestamps, now))), nil
}

// looksLikeTimestamp says whether b starts like an RFC3339 time
// (2006-01-02T...), cheaply: archived lines all have one, but a line the
// source wrote without a newline may have been split.
func looksLikeTimestamp(b []byte) bool {
	return len(b) >= 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T'
}
