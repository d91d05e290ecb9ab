package metricstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// appendPoint encodes p after prev: zigzag varint deltas of step and
// time, then the value's 8 bytes.
func appendPoint(buf []byte, prev, p Point) []byte {
	buf = binary.AppendVarint(buf, p.Step-prev.Step)
	buf = binary.AppendVarint(buf, p.Time-prev.Time)
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(p.Value))
}

// decodePoints appends the points encoded in buf to out.
func decodePoints(out []Point, buf []byte) ([]Point, error) {
	var prev Point
	for len(buf) > 0 {
		ds, n := binary.Varint(buf)
		if n <= 0 {
			return out, fmt.Errorf("corrupt metric chunk: step at %d", len(buf))
		}
		buf = buf[n:]
		dt, n := binary.Varint(buf)
		if n <= 0 || len(buf) < n+8 {
			return out, fmt.Errorf("corrupt metric chunk: time at %d", len(buf))
		}
		buf = buf[n:]
		p := Point{
			Step:  prev.Step + ds,
			Time:  prev.Time + dt,
			Value: math.Float64frombits(binary.LittleEndian.Uint64(buf)),
		}
		buf = buf[8:]
		out = append(out, p)
		prev = p
	}
	return out, nil
}

// meta is the stored summary of a series, with its head chunk.
type meta struct {
	// Count is the number of points stored: full chunks and head.
	Count int64 `json:"count"`
	// First and Next are the sequence numbers of the oldest stored chunk
	// and of the next chunk to write; chunks First..Next-1 exist.
	First int64 `json:"first"`
	Next  int64 `json:"next"`
	// HeadCount is the number of points in the head; Tail is its last
	// point, the base of the next delta.
	HeadCount int64  `json:"headCount"`
	Tail      Point  `json:"tail"`
	Last      Point  `json:"last"`
	Min       Point  `json:"min"`
	Max       Point  `json:"max"`
	head      []byte `json:"-"`
}

// encodeMeta is uvarint(len(json)) json head.
func encodeMeta(m *meta) ([]byte, error) {
	j, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, binary.MaxVarintLen64+len(j)+len(m.head))
	buf = binary.AppendUvarint(buf, uint64(len(j)))
	buf = append(buf, j...)
	return append(buf, m.head...), nil
}

func decodeMeta(buf []byte) (*meta, error) {
	l, n := binary.Uvarint(buf)
	if n <= 0 || uint64(len(buf)-n) < l {
		return nil, fmt.Errorf("corrupt metric series summary")
	}
	m := &meta{}
	if err := json.Unmarshal(buf[n:n+int(l)], m); err != nil {
		return nil, fmt.Errorf("corrupt metric series summary: %w", err)
	}
	m.head = append([]byte(nil), buf[n+int(l):]...)
	return m, nil
}

// add appends p to the head and folds it into the summary.
func (m *meta) add(p Point) {
	if m.Count == 0 {
		m.Last, m.Min, m.Max = p, p, p
	} else {
		if p.Step >= m.Last.Step {
			m.Last = p
		}
		if p.Value < m.Min.Value {
			m.Min = p
		}
		if p.Value > m.Max.Value {
			m.Max = p
		}
	}
	m.head = appendPoint(m.head, m.Tail, p)
	m.Tail = p
	m.HeadCount++
	m.Count++
}
