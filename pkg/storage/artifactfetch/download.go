package artifactfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// defaultHTTPClient downloads https:// sources: no redirect to another
// scheme.
var defaultHTTPClient = &http.Client{
	Timeout: 30 * time.Minute,
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("refusing a redirect to %s: only https:// is followed", req.URL.Scheme)
		}
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	},
}

// httpClient is f's client of https:// sources.
func (f *Fetcher) httpClient() *http.Client {
	if f.HTTPClient != nil {
		return f.HTTPClient
	}
	return defaultHTTPClient
}

// checkHTTPS asks for the head of uri.
func (f *Fetcher) checkHTTPS(ctx context.Context, uri string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, uri, nil)
	if err != nil {
		return err
	}
	resp, err := f.httpClient().Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return errNotFound
	}
	if resp.StatusCode >= 400 && resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("the server answered %s", resp.Status)
	}
	return nil
}

// pullHTTPS downloads uri, one file, into dest/<last segment of the path>
// (model.onnx), so that a server finds it in its model directory by name.
func (f *Fetcher) pullHTTPS(ctx context.Context, uri, dest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	resp, err := f.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server answered %s", resp.Status)
	}
	name := filepath.Base(req.URL.Path)
	if name == "/" || name == "." || name == "" {
		name = "model"
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(dest, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	var body io.Reader = resp.Body
	if f.MaxBytes > 0 {
		body = io.LimitReader(resp.Body, f.MaxBytes+1)
	}
	n, err := io.Copy(out, body)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && f.MaxBytes > 0 && n > f.MaxBytes {
		err = fmt.Errorf("the download is over the cap of %d bytes (--max-artifact-bytes)", f.MaxBytes)
	}
	return err
}

// copyLocal copies the host file or directory src to dest: a file into
// dest/<its name>, a directory's tree as dest. Symbolic links inside a
// directory are refused by os.CopyFS.
func copyLocal(src, dest string) error {
	fi, err := os.Stat(src)
	if os.IsNotExist(err) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.CopyFS(dest, os.DirFS(src))
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(filepath.Join(dest, filepath.Base(src)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, fs.FileMode(0o644))
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
