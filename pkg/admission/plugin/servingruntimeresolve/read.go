package servingruntimeresolve

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// maxNamedInWarning bounds the Models a deletion warning names.
const maxNamedInWarning = 5

// named reads the runtime ref names and checks it lists the format.
func (p *Plugin) named(ctx context.Context, namespace string, ref *ml.ServingRuntimeRef, format, version string) (*ml.ServingRuntimeSpec, field.ErrorList) {
	namePath := field.NewPath("spec", "runtimeRef", "name")
	var (
		spec  *mlv1alpha1.ServingRuntimeSpec
		err   error
		where string
	)
	switch KindOf(ref) {
	case ml.ClusterServingRuntimeKind:
		var r *mlv1alpha1.ClusterServingRuntime
		if r, err = p.client.MlV1alpha1().ClusterServingRuntimes().Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			spec = &r.Spec
		}
	case ml.ServingRuntimeKindName:
		var r *mlv1alpha1.ServingRuntime
		if r, err = p.client.MlV1alpha1().ServingRuntimes(namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			spec = &r.Spec
		}
		where = fmt.Sprintf(" in namespace %q", namespace)
	default:
		return nil, field.ErrorList{field.NotSupported(field.NewPath("spec", "runtimeRef", "kind"), ref.Kind,
			[]string{string(ml.ClusterServingRuntimeKind), string(ml.ServingRuntimeKindName)})}
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, field.ErrorList{field.Invalid(namePath, ref.Name,
			fmt.Sprintf("%s %q does not exist%s", KindOf(ref), ref.Name, where))}
	case err != nil:
		return nil, field.ErrorList{field.InternalError(namePath, fmt.Errorf("read %s %q: %w", KindOf(ref), ref.Name, err))}
	}
	out, err := convert(spec)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(namePath, fmt.Errorf("convert %s %q: %w", KindOf(ref), ref.Name, err))}
	}
	if format != "" && !Supports(out, format, version) {
		return nil, field.ErrorList{unsupportedFormat(ref, format, version)}
	}
	return out, nil
}

// candidates lists the runtimes of the namespace and the cluster.
func (p *Plugin) candidates(ctx context.Context, namespace string) ([]Candidate, error) {
	var out []Candidate
	nsList, err := p.client.MlV1alpha1().ServingRuntimes(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ServingRuntimes: %w", err)
	}
	for i := range nsList.Items {
		spec, err := convert(&nsList.Items[i].Spec)
		if err != nil {
			return nil, err
		}
		out = append(out, Candidate{Kind: ml.ServingRuntimeKindName, Name: nsList.Items[i].Name, Spec: spec})
	}
	clList, err := p.client.MlV1alpha1().ClusterServingRuntimes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ClusterServingRuntimes: %w", err)
	}
	for i := range clList.Items {
		spec, err := convert(&clList.Items[i].Spec)
		if err != nil {
			return nil, err
		}
		out = append(out, Candidate{Kind: ml.ClusterServingRuntimeKind, Name: clList.Items[i].Name, Spec: spec})
	}
	return out, nil
}

func convert(in *mlv1alpha1.ServingRuntimeSpec) (*ml.ServingRuntimeSpec, error) {
	out := &ml.ServingRuntimeSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_ServingRuntimeSpec_To_ml_ServingRuntimeSpec(in, out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// modelsNaming lists the Models whose runtimeRef names the runtime: in its
// namespace for a ServingRuntime, in every one for a cluster one.
func (p *Plugin) modelsNaming(ctx context.Context, kind ml.ServingRuntimeKind, namespace, name string) ([]string, error) {
	if kind == ml.ClusterServingRuntimeKind {
		namespace = metav1.NamespaceAll
	}
	models, err := p.client.MlV1alpha1().Models(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list Models: %w", err)
	}
	var users []string
	for _, m := range models.Items {
		r := m.Spec.RuntimeRef
		if r != nil && r.Name == name && string(r.Kind) == string(kind) {
			users = append(users, m.Namespace+"/"+m.Name)
		}
	}
	return users, nil
}

func deletionWarning(kind ml.ServingRuntimeKind, name string, users []string) string {
	named := users
	if len(named) > maxNamedInWarning {
		named = named[:maxNamedInWarning]
	}
	more := ""
	if len(users) > len(named) {
		more = fmt.Sprintf(" and %d more", len(users)-len(named))
	}
	return fmt.Sprintf("%s %q serves %d Model(s) (%s%s); they keep the server they were admitted with, but new Models naming it will be refused",
		kind, name, len(users), strings.Join(named, ", "), more)
}
