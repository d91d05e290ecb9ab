// Package util resolves the objects `kubectl ml` commands name and gives
// them a client for the ml.example.io group.
package util

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// Factory builds clients from kubectl's connection flags.
type Factory struct {
	flags genericclioptions.RESTClientGetter
}

// NewFactory returns a factory over the given flags.
func NewFactory(flags genericclioptions.RESTClientGetter) *Factory {
	return &Factory{flags: flags}
}

// Target is one object of the ml.example.io group named on the command line.
type Target struct {
	// Resource is the plural resource name, such as trainingjobs.
	Resource string
	// Namespace and Name identify the object.
	Namespace, Name string
}

// String names the target as kubectl does: resource/name.
func (t Target) String() string {
	return t.Resource + "/" + t.Name
}

// Resolve turns KIND/NAME into a target in the namespace of the flags. KIND
// is any name kubectl knows for the resource (plural, singular, short name,
// resource.group), resolved by cli-runtime's resource.Builder, so an unknown
// kind fails as kubectl fails ("the server doesn't have a resource type").
// Only resources of ml.example.io are accepted, and of those only the
// allowed ones when any are given. Resolve does not read the object.
func (f *Factory) Resolve(arg string, allowed ...string) (Target, error) {
	kind, name, ok := strings.Cut(arg, "/")
	if !ok || kind == "" || name == "" {
		return Target{}, fmt.Errorf("%q is not KIND/NAME, for example trainingjob/mnist", arg)
	}
	ns, _, err := f.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return Target{}, err
	}
	infos, err := resource.NewBuilder(f.flags).
		Unstructured().
		NamespaceParam(ns).DefaultNamespace().
		ResourceTypeOrNameArgs(false, arg).
		SingleResourceType().
		RequireObject(false).
		Flatten().
		Do().Infos()
	if err != nil {
		return Target{}, err
	}
	if len(infos) != 1 {
		return Target{}, fmt.Errorf("%q names %d objects, want one", arg, len(infos))
	}
	gvr := infos[0].Mapping.Resource
	if gvr.Group != ml.GroupName {
		return Target{}, fmt.Errorf("%s is not an %s resource; use one of: %s", gvr.GroupResource(), ml.GroupName, strings.Join(orAll(allowed), ", "))
	}
	if len(allowed) > 0 && !contains(allowed, gvr.Resource) {
		return Target{}, fmt.Errorf("%s have no such subresource; use one of: %s", gvr.Resource, strings.Join(allowed, ", "))
	}
	return Target{Resource: gvr.Resource, Namespace: infos[0].Namespace, Name: infos[0].Name}, nil
}

// orAll is allowed, or every resource of the group when none is given.
func orAll(allowed []string) []string {
	if len(allowed) > 0 {
		return allowed
	}
	return []string{"trainingjobs", "pipelineruns", "models", "notebooks", "pipelines"}
}

// RESTClient returns a client for ml.example.io/v1alpha1.
func (f *Factory) RESTClient() (rest.Interface, error) {
	config, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cs, err := mlclientset.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return cs.MlV1alpha1().RESTClient(), nil
}

// DynamicClient returns a dynamic client of the flags, whose errors are the
// server's, unwrapped.
func (f *Factory) DynamicClient() (dynamic.Interface, error) {
	config, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	return dynamic.NewForConfig(config)
}

// DiscoveryClient returns the (cached) discovery client of the flags.
func (f *Factory) DiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return f.flags.ToDiscoveryClient()
}

// Get reads the target (or its subresource) as an unstructured object, so commands can look at
// fields any version of the server has. Errors are the server's, unwrapped,
// so kubectl's error printing names the reason.
func (f *Factory) Get(ctx context.Context, t Target, subresources ...string) (*unstructured.Unstructured, error) {
	config, err := f.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return client.Resource(mlv1alpha1.SchemeGroupVersion.WithResource(t.Resource)).Namespace(t.Namespace).Get(ctx, t.Name, metav1.GetOptions{}, subresources...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
