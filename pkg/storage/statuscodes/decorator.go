// Package statuscodes wraps the storage of every resource so that what etcd
// refuses reaches the client with the status code of its cause instead of
// 500: an object larger than etcd accepts in one request is 413 Request
// Entity Too Large naming its size and the limit, and a read with a
// resourceVersion that is not one (resourceVersion=abc) is 400 Bad Request.
package statuscodes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/server/v3/embed"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// EtcdMaxRequestBytes is the request limit of the embedded etcd, and the
// default of any etcd (its --max-request-bytes): 1.5 MiB.
const EtcdMaxRequestBytes = int(embed.DefaultMaxRequestBytes)

// RESTOptionsGetter wraps a getter so that the storage of every resource
// answers with the status codes described in the package comment.
func RESTOptionsGetter(inner generic.RESTOptionsGetter) generic.RESTOptionsGetter {
	return getter{inner}
}

type getter struct {
	inner generic.RESTOptionsGetter
}

// GetRESTOptions returns the inner options with the decorator wrapped.
func (g getter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.inner.GetRESTOptions(resource, example)
	if err != nil {
		return opts, err
	}
	inner := opts.Decorator
	if inner == nil {
		inner = generic.UndecoratedStorage
	}
	opts.Decorator = decorate(inner)
	return opts, nil
}

func decorate(inner generic.StorageDecorator) generic.StorageDecorator {
	return func(
		config *storagebackend.ConfigForResource,
		resourcePrefix string,
		keyFunc func(obj runtime.Object) (string, error),
		newFunc func() runtime.Object,
		newListFunc func() runtime.Object,
		getAttrsFunc storage.AttrFunc,
		triggerFuncs storage.IndexerFuncs,
		indexers *cache.Indexers,
	) (storage.Interface, factory.DestroyFunc, error) {
		s, destroy, err := inner(config, resourcePrefix, keyFunc, newFunc, newListFunc, getAttrsFunc, triggerFuncs, indexers)
		if err != nil {
			return s, destroy, err
		}
		return &mapped{Interface: s, codec: config.Codec, resource: config.GroupResource}, destroy, nil
	}
}

// mapped is a storage whose errors carry the status code of their cause.
type mapped struct {
	storage.Interface
	codec    runtime.Codec
	resource schema.GroupResource
}

// Create maps etcd's refusal of a large object to 413.
func (c *mapped) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	err := c.Interface.Create(ctx, key, obj, out, ttl)
	return c.tooLarge(err, obj)
}

// GuaranteedUpdate maps etcd's refusal of a large object to 413; the size
// is that of the last object the update computed.
func (c *mapped) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	var last runtime.Object
	recording := func(input runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
		out, ttl, err := tryUpdate(input, res)
		last = out
		return out, ttl, err
	}
	err := c.Interface.GuaranteedUpdate(ctx, key, destination, ignoreNotFound, preconditions, recording, cachedExistingObject)
	return c.tooLarge(err, last)
}

// Get maps an invalid resourceVersion to 400.
func (c *mapped) Get(ctx context.Context, key string, opts storage.GetOptions, objPtr runtime.Object) error {
	return badRequest(c.Interface.Get(ctx, key, opts, objPtr))
}

// GetList maps an invalid resourceVersion to 400.
func (c *mapped) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	return badRequest(c.Interface.GetList(ctx, key, opts, listObj))
}

// Watch maps an invalid resourceVersion to 400.
func (c *mapped) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	w, err := c.Interface.Watch(ctx, key, opts)
	return w, badRequest(err)
}

// badRequest turns the storage's refusal of read options (a
// resourceVersion that does not parse) into 400 Bad Request, as
// kube-apiserver answers; the registry would report it as 500.
func badRequest(err error) error {
	if err != nil && storage.IsInvalidError(err) {
		return apierrors.NewBadRequest(err.Error())
	}
	return err
}

// tooLarge turns etcd's refusal of a request over its size limit into 413
// naming the encoded size of obj (when known) and the limit.
func (c *mapped) tooLarge(err error, obj runtime.Object) error {
	if err == nil || !isTooLarge(err) {
		return err
	}
	what, size := c.resource.String(), "larger"
	if obj != nil {
		if m, metaErr := meta.Accessor(obj); metaErr == nil {
			what = fmt.Sprintf("%s %q", c.resource, m.GetName())
		}
		if data, encErr := runtime.Encode(c.codec, obj); encErr == nil {
			size = fmt.Sprintf("%d bytes", len(data))
		}
	}
	return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
		"%s is %s once encoded for storage, over etcd's request limit of %d bytes (1.5 MiB; etcd's --max-request-bytes): %v",
		what, size, EtcdMaxRequestBytes, err))
}

// isTooLarge says whether etcd refused a request for its size: over
// --max-request-bytes ("request is too large"), or over the gRPC message
// limit just above it ("received message larger than max").
func isTooLarge(err error) bool {
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) {
		return true
	}
	if s, ok := status.FromError(err); ok && s.Code() == grpccodes.ResourceExhausted && strings.Contains(s.Message(), "larger than max") {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, rpctypes.ErrRequestTooLarge.Error()) || strings.Contains(msg, "message larger than max")
}
