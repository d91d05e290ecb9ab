package dashboard

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// dist is the dashboard built by hack/build-dashboard; a fresh clone has
// only dist/README.
//
//go:embed all:dist
var dist embed.FS

// Assets returns the embedded build: index.html, app.js, app.css.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path.
		panic(err)
	}
	return sub
}

// notBuiltText answers every page while the build is missing.
const notBuiltText = "Service unavailable: dashboard not built: run make build (or make dashboard) and rebuild kubectl-ml.\n"

// static serves the files of the build, gzipped when the client accepts
// it. Unknown paths get index.html, whose script routes by the URL's hash.
type static struct {
	files fs.FS

	mu   sync.Mutex
	seen map[string]*asset
}

// asset is a file read once, with its gzipped form.
type asset struct {
	contentType string
	plain, gz   []byte
}

func newStatic(files fs.FS) *static {
	return &static{files: files, seen: map[string]*asset{}}
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || name == "README" {
		name = "index.html"
	}
	a, err := s.asset(name)
	if err != nil {
		// Not a file of the build: the page, whose hash routes decide.
		a, err = s.asset("index.html")
	}
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, notBuiltText, http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "no-cache")
	body := a.plain
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// asset reads name from the build once and keeps it with its gzipped form.
func (s *static) asset(name string) (*asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.seen[name]; ok {
		return a, nil
	}
	plain, err := fs.ReadFile(s.files, name)
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(plain); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(plain)
	}
	a := &asset{contentType: ct, plain: plain, gz: gz.Bytes()}
	s.seen[name] = a
	return a, nil
}

// acceptsGzip is true when Accept-Encoding lists gzip with a non-zero
// quality.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			params = strings.ReplaceAll(params, " ", "")
			return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
		}
	}
	return false
}
