package profilerequest

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// TemplateKey is the key of the template ConfigMap that holds the spec of
// requested profiles, as v1alpha1 YAML (owner excluded: the requester owns
// the profile).
const TemplateKey = "spec.yaml"

// DefaultTemplate is the ConfigMap the administrators' template is read
// from, unless --profile-template says otherwise.
var DefaultTemplate = types.NamespacedName{Namespace: "ml-system", Name: "profile-template"}

// Template returns the spec a requested profile starts from.
type Template func(ctx context.Context) (*ml.ProfileSpec, error)

// ConfigMapTemplate reads the template from the ConfigMap ref through kube
// at every request, so an administrator's edit applies to the next request.
// Without the ConfigMap, profiles get the defaults (no quota, baseline Pod
// Security, network isolation, Retain).
func ConfigMapTemplate(kube kubernetes.Interface, ref types.NamespacedName, scheme *runtime.Scheme) Template {
	return func(ctx context.Context) (*ml.ProfileSpec, error) {
		cm, err := kube.CoreV1().ConfigMaps(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return DecodeTemplate("", scheme)
		}
		if err != nil {
			return nil, fmt.Errorf("read the profile template ConfigMap %s: %w", ref, err)
		}
		spec, err := DecodeTemplate(cm.Data[TemplateKey], scheme)
		if err != nil {
			return nil, fmt.Errorf("profile template ConfigMap %s, key %s: %w", ref, TemplateKey, err)
		}
		return spec, nil
	}
}

// DecodeTemplate decodes a v1alpha1 ProfileSpec in YAML (empty means all
// defaults), defaulted and converted to the internal version.
func DecodeTemplate(data string, scheme *runtime.Scheme) (*ml.ProfileSpec, error) {
	var versioned mlv1alpha1.Profile
	if err := yaml.UnmarshalStrict([]byte(data), &versioned.Spec); err != nil {
		return nil, fmt.Errorf("decode the profile spec: %w", err)
	}
	scheme.Default(&versioned)
	var internal ml.Profile
	if err := scheme.Convert(&versioned, &internal, nil); err != nil {
		return nil, fmt.Errorf("convert the profile spec: %w", err)
	}
	return &internal.Spec, nil
}

// EmptyTemplate gives requested profiles the defaults only, where no
// template can be read.
func EmptyTemplate(scheme *runtime.Scheme) Template {
	return func(ctx context.Context) (*ml.ProfileSpec, error) {
		return DecodeTemplate("", scheme)
	}
}
