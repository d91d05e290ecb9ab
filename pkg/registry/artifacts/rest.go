package artifacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// DefaultMaxServeBytes is the most bytes GET .../artifacts/<path> streams
// unless the server's --max-artifact-serve-bytes says otherwise.
const DefaultMaxServeBytes = 10 << 20

// MaxServeBytesFlag is the flag that sets the cap, named in the 413.
const MaxServeBytesFlag = "--max-artifact-serve-bytes"

// Stores gives the artifact store of a namespace (artifactstore.Resolver).
type Stores interface {
	For(ctx context.Context, namespace string) (artifactstore.Store, error)
}

// Config is what a REST needs.
type Config struct {
	// Resource is the parent resource, e.g. ml.Resource("pipelineruns").
	Resource schema.GroupResource
	// Objects reads the parent objects (the resource's storage).
	Objects rest.Getter
	// Stores are the namespaces' artifact stores; nil serves the list only.
	Stores Stores
	// MaxServeBytes caps what one GET streams; 0 means DefaultMaxServeBytes.
	MaxServeBytes int64
}

// REST is the artifacts subresource of one kind: a connecter, so that the
// artifact's path can follow the subresource in the URL.
type REST struct {
	c Config
}

var (
	_ rest.Connecter = &REST{}
	_ rest.Storage   = &REST{}
)

// NewREST returns the artifacts subresource of c.Resource.
func NewREST(c Config) *REST {
	if c.MaxServeBytes == 0 {
		c.MaxServeBytes = DefaultMaxServeBytes
	}
	return &REST{c: c}
}

// New returns an empty ArtifactList, what a GET without a path answers.
func (r *REST) New() runtime.Object { return &ml.ArtifactList{} }

// Destroy does nothing: the parent storage is shared.
func (r *REST) Destroy() {}

// ConnectMethods are the methods served: GET only.
func (r *REST) ConnectMethods() []string { return []string{http.MethodGet} }

// NewConnectOptions returns the options, with the rest of the URL's path
// in Path.
func (r *REST) NewConnectOptions() (runtime.Object, bool, string) {
	return &ml.ArtifactOptions{}, true, "path"
}

// Connect answers GET .../artifacts with the list, and
// GET .../artifacts/<path> with the content of the artifact at path.
func (r *REST) Connect(ctx context.Context, name string, options runtime.Object, responder rest.Responder) (http.Handler, error) {
	opts, ok := options.(*ml.ArtifactOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", options))
	}
	obj, err := r.c.Objects.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	list := List(obj)
	path := strings.Trim(opts.Path, "/")
	if path == "" {
		return http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			responder.Object(http.StatusOK, list)
		}), nil
	}
	item, ok := find(list, path)
	if !ok {
		return nil, r.notFound(name, path, list)
	}
	return r.content(ctx, item)
}

// notFound says which artifacts there are.
func (r *REST) notFound(name, path string, list *ml.ArtifactList) error {
	var paths []string
	for _, it := range list.Items {
		paths = append(paths, it.Path)
	}
	known := "it has none"
	if len(paths) > 0 {
		known = "it has " + strings.Join(paths, ", ")
	}
	return apierrors.NewNotFound(schema.GroupResource{Group: r.c.Resource.Group, Resource: r.c.Resource.Resource + "/artifacts"},
		fmt.Sprintf("%s/%s (%s %s: %s)", name, path, r.c.Resource.Resource, name, known))
}

// content streams the artifact of item from the namespace's store.
func (r *REST) content(ctx context.Context, item ml.ArtifactListItem) (http.Handler, error) {
	if r.c.Stores == nil {
		return nil, apierrors.NewServiceUnavailable("this server has no artifact store")
	}
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	store, err := r.c.Stores.For(ctx, ns)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("the artifact store of namespace %s: %v", ns, err))
	}
	const probe = "k"
	key, ok := strings.CutPrefix(item.URI, strings.TrimSuffix(store.URI(probe), probe))
	if !ok || artifactstore.CheckKey(key) != nil {
		return nil, apierrors.NewNotFound(ml.Resource("artifacts"), fmt.Sprintf("%s (%s is not in the namespace's artifact store)", item.Path, item.URI))
	}
	info, err := store.Stat(ctx, key)
	switch {
	case errors.Is(err, artifactstore.ErrNotFound):
		if m, mi, merr := artifactstore.ReadManifest(ctx, store, key); merr == nil {
			return r.directory(item, store, key, m, mi)
		}
		return nil, apierrors.NewNotFound(ml.Resource("artifacts"), fmt.Sprintf("%s (%s is gone from the store)", item.Path, item.URI))
	case err != nil:
		return nil, apierrors.NewInternalError(fmt.Errorf("stat %s: %w", item.URI, err))
	}
	if info.Size > r.c.MaxServeBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("artifact %s is %d bytes, over the %d bytes this server streams (%s); read it from %s",
			item.Path, info.Size, r.c.MaxServeBytes, MaxServeBytesFlag, item.URI))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rc, info, err := store.Get(req.Context(), key)
		if err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, artifactstore.ErrNotFound) {
				status = http.StatusNotFound
			}
			http.Error(w, fmt.Sprintf("read artifact %s: %v", item.Path, err), status)
			return
		}
		defer func() { _ = rc.Close() }()
		h := w.Header()
		h.Set("Content-Type", ContentType(item.Type))
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		h.Set("X-Content-Type-Options", "nosniff")
		// HTML and Markdown of users are shown, never run with the API
		// server's origin.
		h.Set("Content-Security-Policy", "sandbox")
		if info.Digest != "" {
			h.Set("X-Artifact-Digest", info.Digest)
		}
		w.WriteHeader(http.StatusOK)
		if _, err := io.Copy(w, io.LimitReader(rc, info.Size)); err != nil {
			klog.FromContext(req.Context()).V(2).Info("Artifact download ended early", "artifact", item.Path, "err", err)
		}
	}), nil
}

// directory streams the directory artifact at key, whose manifest is m,
// as a tar archive, when its files together are within the cap.
func (r *REST) directory(item ml.ArtifactListItem, store artifactstore.Store, key string, m artifactstore.Manifest, mi artifactstore.Info) (http.Handler, error) {
	if size := artifactstore.ManifestSize(m); size > r.c.MaxServeBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("directory artifact %s holds %d bytes, over the %d bytes this server streams (%s); pull it with `ml-apiserver artifact pull` or read its files from %s",
			item.Path, size, r.c.MaxServeBytes, MaxServeBytesFlag, item.URI))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		h.Set("Content-Type", TarContentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("X-Artifact-Digest", mi.Digest)
		w.WriteHeader(http.StatusOK)
		if err := artifactstore.WriteTar(req.Context(), w, store, key, m, mi.ModTime); err != nil {
			// The status is sent: the archive ends early, which tar
			// readers report.
			klog.FromContext(req.Context()).Error(err, "Directory artifact download stopped", "artifact", item.Path, "uri", item.URI)
		}
	}), nil
}

// TarContentType is the Content-Type of a directory artifact, served as a
// tar archive of its files.
const TarContentType = "application/x-tar"

// ContentType is the Content-Type an artifact of type t is served with.
func ContentType(t ml.ArtifactType) string {
	switch t {
	case ml.ArtifactTypeMarkdown:
		return "text/markdown; charset=utf-8"
	case ml.ArtifactTypeHTML:
		return "text/html; charset=utf-8"
	case ml.ArtifactTypeMetrics:
		return "application/json"
	}
	return "application/octet-stream"
}
