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
	out := make([]byte, 0, len(data))
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		ts, text := line, []byte(nil)
		if sp := bytes.IndexByte(line, ' '); sp > 0 {
			ts, text = line[:sp], line[sp+1:]
		}
		if sinceSeconds != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(ts)); err == nil && t.Before(since) {
				continue
			}
		}
		if timestamps || text == nil {
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
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(filterArchived(data, tailLines, sinceSeconds, timestamps, now))), nil
}
