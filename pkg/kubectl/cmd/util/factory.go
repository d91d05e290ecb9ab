// Package util resolves the objects `kubectl ml` commands name and gives
// them a client for the ml.example.io group.
package util

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
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

// Resolve turns KIND/NAME (kind as a plural, singular, short name or
// resource.group) into a target in the namespace of the flags. Only
// resources of ml.example.io whose subresource sub exists are accepted.
func (f *Factory) Resolve(arg string, allowed ...string) (Target, error) {
	kind, name, ok := strings.Cut(arg, "/")
	if !ok || kind == "" || name == "" {
		return Target{}, fmt.Errorf("%q is not KIND/NAME, for example trainingjob/mnist", arg)
	}
	resource, group, _ := strings.Cut(kind, ".")
	if group != "" && group != ml.GroupName {
		return Target{}, fmt.Errorf("%q is not in the %s group", kind, ml.GroupName)
	}
	mapper, err := f.flags.ToRESTMapper()
	if err != nil {
		return Target{}, err
	}
	gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Group: ml.GroupName, Resource: strings.ToLower(resource)})
	if err != nil {
		return Target{}, fmt.Errorf("unknown kind %q in %s: %w", kind, ml.GroupName, err)
	}
	if len(allowed) > 0 && !contains(allowed, gvr.Resource) {
		return Target{}, fmt.Errorf("%s have no such subresource; use one of: %s", gvr.Resource, strings.Join(allowed, ", "))
	}
	ns, _, err := f.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return Target{}, err
	}
	return Target{Resource: gvr.Resource, Namespace: ns, Name: name}, nil
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
