// Package initializer hands the admission plugins of ml.example.io what
// they share: informers and a client of our own group (read through the
// server's loopback connection) and where usage records are kept. Informers
// and clients of the core Kubernetes API come from the generic initializer
// of k8s.io/apiserver, which exists only in aggregated mode; plugins that
// need them are not in the standalone chain.
package initializer

import (
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// WantsMLInformerFactory is a plugin that reads objects of ml.example.io
// through shared informers.
type WantsMLInformerFactory interface {
	SetMLInformerFactory(externalversions.SharedInformerFactory)
	admission.InitializationValidator
}

// WantsMLClient is a plugin that reads objects of ml.example.io directly,
// when its informers have not seen them yet.
type WantsMLClient interface {
	SetMLClient(versioned.Interface)
	admission.InitializationValidator
}

// WantsSystemNamespace is a plugin that keeps records of its own in the
// server's system namespace (--controller-namespace).
type WantsSystemNamespace interface {
	SetSystemNamespace(string)
	admission.InitializationValidator
}

// WantsRecordClient is a plugin that writes records of its own to
// kube-apiserver on the request path, with a client of its own whose rate
// limit does not slow requests down (the generic chain's shared client
// allows a few requests per second).
type WantsRecordClient interface {
	SetRecordClient(kubernetes.Interface)
	admission.InitializationValidator
}

// PluginInitializer sets what the plugins of ml.example.io want.
type PluginInitializer struct {
	informers       externalversions.SharedInformerFactory
	client          versioned.Interface
	systemNamespace string
	recordClient    kubernetes.Interface
}

var _ admission.PluginInitializer = PluginInitializer{}

// New returns an initializer handing out informers, client, system
// namespace and record client (nil without a Kubernetes API).
func New(informers externalversions.SharedInformerFactory, client versioned.Interface, systemNamespace string, recordClient kubernetes.Interface) PluginInitializer {
	return PluginInitializer{informers: informers, client: client, systemNamespace: systemNamespace, recordClient: recordClient}
}

// Initialize sets on plugin what it wants.
func (i PluginInitializer) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(WantsMLInformerFactory); ok {
		wants.SetMLInformerFactory(i.informers)
	}
	if wants, ok := plugin.(WantsMLClient); ok {
		wants.SetMLClient(i.client)
	}
	if wants, ok := plugin.(WantsSystemNamespace); ok {
		wants.SetSystemNamespace(i.systemNamespace)
	}
	if wants, ok := plugin.(WantsRecordClient); ok && i.recordClient != nil {
		wants.SetRecordClient(i.recordClient)
	}
}
