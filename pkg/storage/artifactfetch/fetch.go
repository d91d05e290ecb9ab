// Package artifactfetch reads model files and artifacts by URI for a
// namespace: objects of the namespace's artifact store (file:// or s3://,
// with the store's credentials), https:// downloads and, in standalone
// mode, files of the host that local processes may read anyway. The local
// runtime pulls a Model's files with it, and the Model controller checks a
// source with it before anything runs.
package artifactfetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Stores gives the artifact store of a namespace (artifactstore.Resolver).
type Stores interface {
	For(ctx context.Context, namespace string) (artifactstore.Store, error)
}

// Fetcher is a workload.ArtifactFetcher.
type Fetcher struct {
	// Stores are the namespaces' artifact stores; nil for none.
	Stores Stores
	// LocalRoots are the directories of the host whose files file://
	// sources may name (standalone mode: the paths local processes may
	// read, --local-read-only-paths and --local-read-write-paths); empty
	// refuses every file outside the store.
	LocalRoots []string
	// MaxBytes caps an https:// download (0: no cap).
	MaxBytes int64
	// HTTPClient downloads https:// sources; nil is a client that follows
	// https:// redirects only.
	HTTPClient *http.Client
}

var _ workload.ArtifactFetcher = &Fetcher{}

// errNotFound says a source has no files.
var errNotFound = errors.New("not found")

// Check implements workload.ArtifactFetcher. An s3:// URI outside the
// namespace's store (or of a namespace without one) is not checked: the
// server has no credentials for it, the pods' pull step will tell.
func (f *Fetcher) Check(ctx context.Context, namespace, uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return err
	}
	switch scheme(u, uri) {
	case "https":
		return f.checkHTTPS(ctx, uri)
	case "file", "s3":
		store, key, err := f.inStore(ctx, namespace, uri)
		if err != nil && scheme(u, uri) == "file" {
			return err
		}
		if store != nil {
			return statArtifact(ctx, store, key)
		}
		if scheme(u, uri) == "s3" {
			// Another bucket, or a namespace without a store: only the
			// pods' pull step, with the namespace's credentials, can tell.
			return nil
		}
		p, err := f.localPath(u)
		if err != nil {
			return err
		}
		if _, err := os.Stat(p); err != nil {
			if os.IsNotExist(err) {
				return errNotFound
			}
			return errors.Unwrap(err)
		}
		return nil
	}
	return fmt.Errorf("scheme %q is not downloaded by this server", u.Scheme)
}

var _ workload.ReadOnlyPuller = &Fetcher{}

// Pull implements workload.ArtifactFetcher.
func (f *Fetcher) Pull(ctx context.Context, namespace, uri, dest string) error {
	return f.pull(ctx, namespace, uri, dest, false)
}

// PullReadOnly implements workload.ReadOnlyPuller: the files of the
// namespace's filesystem store are hard links to the store's own
// (artifactstore.PullPathReadOnly); other sources are copied, read-only.
func (f *Fetcher) PullReadOnly(ctx context.Context, namespace, uri, dest string) error {
	return f.pull(ctx, namespace, uri, dest, true)
}

func (f *Fetcher) pull(ctx context.Context, namespace, uri, dest string, readOnly bool) error {
	u, err := url.Parse(uri)
	if err != nil {
		return err
	}
	switch scheme(u, uri) {
	case "https":
		return f.pullHTTPS(ctx, uri, dest)
	case "file", "s3":
		store, key, err := f.inStore(ctx, namespace, uri)
		if err != nil {
			return err
		}
		if store != nil {
			return pullFromStore(ctx, store, key, dest, readOnly)
		}
		if scheme(u, uri) == "s3" {
			return fmt.Errorf("it is not in the namespace's artifact store")
		}
		p, err := f.localPath(u)
		if err != nil {
			return err
		}
		return copyLocal(p, dest)
	}
	return fmt.Errorf("scheme %q is not downloaded by this server", u.Scheme)
}

// scheme is u's scheme, "file" for an absolute path.
func scheme(u *url.URL, uri string) string {
	if u.Scheme == "" && filepath.IsAbs(uri) {
		return "file"
	}
	return u.Scheme
}

// inStore returns the namespace's store and the key of uri in it when uri
// is one of its objects; a nil store when it is not.
func (f *Fetcher) inStore(ctx context.Context, namespace, uri string) (artifactstore.Store, string, error) {
	if f.Stores == nil {
		return nil, "", nil
	}
	store, err := f.Stores.For(ctx, namespace)
	if err != nil {
		return nil, "", err
	}
	if store == nil {
		return nil, "", nil
	}
	const probe = "k"
	base := strings.TrimSuffix(store.URI(probe), probe)
	key, ok := strings.CutPrefix(uri, base)
	if !ok || artifactstore.CheckKey(key) != nil {
		return nil, "", nil
	}
	return store, key, nil
}

// statArtifact says whether key holds a file artifact or a directory one
// (its manifest).
func statArtifact(ctx context.Context, s artifactstore.Store, key string) error {
	_, err := s.Stat(ctx, key)
	if errors.Is(err, artifactstore.ErrNotFound) {
		_, err = s.Stat(ctx, key+"/"+artifactstore.ManifestName)
	}
	if errors.Is(err, artifactstore.ErrNotFound) {
		return errNotFound
	}
	return err
}

// localPath is the host file of a file:// URI, refused unless it is under
// one of the LocalRoots (symbolic links resolved first), so that a Model
// never serves a file its processes could not read themselves.
func (f *Fetcher) localPath(u *url.URL) (string, error) {
	p := filepath.Clean(u.Path)
	real, err := filepath.EvalSymlinks(p)
	if os.IsNotExist(err) {
		real, err = p, nil
	}
	if err != nil {
		return "", errors.Unwrap(err)
	}
	for _, root := range f.LocalRoots {
		r, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if real == r || strings.HasPrefix(real, r+string(filepath.Separator)) {
			return real, nil
		}
	}
	return "", errors.New("it is neither in the artifact store nor under the paths local processes may read (--local-read-only-paths, --local-read-write-paths)")
}

// pullFromStore writes the artifact at key to dest: a directory artifact
// as dest, a file one as dest/<last segment of key>, so that dest is a
// directory either way. readOnly links the files of a filesystem store
// (artifactstore.PullPathReadOnly).
func pullFromStore(ctx context.Context, s artifactstore.Store, key, dest string, readOnly bool) error {
	target := dest
	if _, err := s.Stat(ctx, key); err == nil {
		target = filepath.Join(dest, path.Base(key))
	}
	pull := artifactstore.PullPath
	if readOnly {
		pull = artifactstore.PullPathReadOnly
	}
	_, err := pull(ctx, s, key, target)
	if errors.Is(err, artifactstore.ErrNotFound) {
		return errNotFound
	}
	return err
}
