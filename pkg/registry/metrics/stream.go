package metrics

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// metricsStream is the answer of GET: a Metrics object in JSON, written
// series by series and point by point as the store reads them, so that a
// request holds the points of one series at a time however many it
// returns.
type metricsStream struct {
	store    metricstore.MetricStore
	owner    metricstore.Owner
	meta     metav1.ObjectMeta
	query    metricstore.Query
	maxPoint int
}

var _ rest.ResourceStreamer = &metricsStream{}

// GetObjectKind is empty: the stream writes its own kind.
func (s *metricsStream) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject is not needed of a stream; it returns s.
func (s *metricsStream) DeepCopyObject() runtime.Object { return s }

// InputStream returns the Metrics as JSON. An error after the first series
// was written can only cut the answer short: it is logged.
func (s *metricsStream) InputStream(ctx context.Context, apiVersion, _ string) (io.ReadCloser, bool, string, error) {
	if apiVersion == "" {
		apiVersion = mlv1alpha1.SchemeGroupVersion.String()
	}
	ctx, cancel := context.WithCancel(ctx)
	write := func(ctx context.Context, w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := s.write(ctx, bw, apiVersion); err != nil {
			klog.FromContext(ctx).Error(err, "Metrics answer cut short", "object", klog.KRef(s.owner.Namespace, s.owner.Name))
			return err
		}
		return bw.Flush()
	}
	return &streamReader{ctx: ctx, cancel: cancel, write: write}, false, "application/json", nil
}

func (s *metricsStream) write(ctx context.Context, w *bufio.Writer, apiVersion string) error {
	meta, err := json.Marshal(&s.meta)
	if err != nil {
		return err
	}
	_, _ = w.WriteString(`{"kind":"Metrics","apiVersion":`)
	writeJSONString(w, apiVersion)
	_, _ = w.WriteString(`,"metadata":`)
	_, _ = w.Write(meta)
	_, _ = w.WriteString(`,"series":[`)
	first := true
	err = s.store.Each(ctx, s.owner, s.query, func(series metricstore.Series) error {
		if !first {
			_ = w.WriteByte(',')
		}
		first = false
		points := Downsample(series.Points, s.maxPoint)
		return writeSeries(w, series, points, len(points) < len(series.Points))
	})
	if err != nil {
		return err
	}
	_, err = w.WriteString("]}\n")
	return err
}

// writeSeries writes one MetricSeries of the v1alpha1 API.
func writeSeries(w *bufio.Writer, s metricstore.Series, points []metricstore.Point, downsampled bool) error {
	_, _ = w.WriteString(`{"name":`)
	writeJSONString(w, s.Name)
	if s.Task != "" {
		_, _ = w.WriteString(`,"task":`)
		writeJSONString(w, s.Task)
	}
	_, _ = w.WriteString(`,"points":[`)
	for i, p := range points {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		if err := writePoint(w, p); err != nil {
			return err
		}
	}
	_ = w.WriteByte(']')
	if s.Count > 0 {
		_, _ = w.WriteString(`,"count":`)
		_, _ = w.WriteString(strconv.FormatInt(s.Count, 10))
	}
	if downsampled {
		_, _ = w.WriteString(`,"downsampled":true`)
	}
	if s.Count > 0 {
		for _, f := range []struct {
			name string
			p    metricstore.Point
		}{{"last", s.Last}, {"min", s.Min}, {"max", s.Max}} {
			_, _ = w.WriteString(`,"` + f.name + `":`)
			if err := writePoint(w, f.p); err != nil {
				return err
			}
		}
	}
	// A full buffer was already written to the client; the error of the
	// last write says whether it went away.
	_, err := w.WriteString("}")
	return err
}

func writePoint(w *bufio.Writer, p metricstore.Point) error {
	raw, err := json.Marshal(mlv1alpha1.MetricPoint{Step: p.Step, Time: microTime(p.Time), Value: p.Value})
	if err != nil {
		return err
	}
	_, err = w.Write(raw)
	return err
}

func writeJSONString(w *bufio.Writer, s string) {
	raw, _ := json.Marshal(s)
	_, _ = w.Write(raw)
}

// streamReader runs a write once, into the writer of WriteTo (the
// server's copy into the response) or into a pipe read by Read. Closing
// it (the client went away) cancels the reads of the store.
type streamReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	write  func(ctx context.Context, w io.Writer) error

	once sync.Once
	pr   *io.PipeReader
}

var _ io.WriterTo = &streamReader{}

// WriteTo writes the answer into w.
func (r *streamReader) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	var err error
	started := false
	r.once.Do(func() {
		started = true
		err = r.write(r.ctx, cw)
	})
	if !started {
		return io.Copy(w, readerOnly{r})
	}
	return cw.n, err
}

// Read reads the answer through a pipe.
func (r *streamReader) Read(p []byte) (int, error) {
	r.once.Do(func() {
		pr, pw := io.Pipe()
		r.pr = pr
		go func() { pw.CloseWithError(r.write(r.ctx, pw)) }()
	})
	if r.pr == nil {
		return 0, io.EOF
	}
	return r.pr.Read(p)
}

// Close stops the write.
func (r *streamReader) Close() error {
	r.cancel()
	if r.pr != nil {
		_ = r.pr.Close()
	}
	return nil
}

// readerOnly hides WriteTo from io.Copy.
type readerOnly struct{ io.Reader }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
