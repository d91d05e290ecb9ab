package registrytest

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// Namespace is the namespace test objects are made in; the storage
// contract moves each test's objects to a namespace of its own.
const Namespace = "team-a"

// Backends are the two ways the server may store a resource: straight in
// etcd, and behind the watch cache, which evaluates field selectors itself.
var Backends = map[string]generic.StorageDecorator{
	"etcd":        generic.UndecoratedStorage,
	"watch cache": genericregistry.StorageWithCacher(),
}

// NewRESTOptions starts an etcd server for the duration of the test and
// returns REST options that store resource in it the way the server does:
// encoded as ml.example.io/v1alpha1 with the server's codecs, decoded (and
// defaulted) back to the internal types, through decorator (one of
// Backends).
func NewRESTOptions(t testing.TB, resource string, decorator generic.StorageDecorator) generic.RESTOptions {
	t.Helper()
	_, etcdConfig := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	// The server's defaults: the watch cache refuses a shorter event history.
	config := storagebackend.NewDefaultConfig(etcdConfig.Prefix, scheme.Codecs.LegacyCodec(mlv1alpha1.SchemeGroupVersion))
	config.Transport.ServerList = etcdConfig.Transport.ServerList
	config.EncodeVersioner = mlv1alpha1.SchemeGroupVersion
	gr := schema.GroupResource{Group: mlv1alpha1.GroupName, Resource: resource}
	return generic.RESTOptions{
		StorageConfig:           config.ForResource(gr),
		Decorator:               decorator,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          gr.Group + "/" + gr.Resource,
	}
}

// NewStorageOptions returns the options of a kind's NewStorage: resource
// stored as NewRESTOptions stores it, validated against the default caps.
func NewStorageOptions(t testing.TB, resource string, decorator generic.StorageDecorator) registryutil.StorageOptions {
	t.Helper()
	return registryutil.StorageOptions{
		Scheme:      scheme.Scheme,
		RESTOptions: NewRESTOptions(t, resource, decorator),
		Validation:  validation.DefaultOptions(),
	}
}

// NewContext returns a request context in namespace ns.
func NewContext(ns string) context.Context {
	return genericapirequest.WithNamespace(genericapirequest.NewContext(), ns)
}
