package pipelinerunresolve

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// NestingInitializer gives the plugin the server's bounds of nested
// pipelines (--max-pipeline-nesting-depth, --max-pipeline-tasks).
type NestingInitializer nested.Limits

var _ admission.PluginInitializer = NestingInitializer{}

// Initialize sets the limits of the PipelineRunResolve plugin.
func (i NestingInitializer) Initialize(plugin admission.Interface) {
	if p, ok := plugin.(*Plugin); ok {
		p.nesting = nested.Limits(i)
	}
}

// expand writes the tasks of the pipelines spec's tasks reference
// (pipelineRef) into spec, recursively, and checks the bounds of the
// result; root is the Pipeline spec was taken from ("" for an inline spec).
// The caller checked the readiness gate when spec has nested tasks.
func (p *Plugin) expand(ctx context.Context, namespace string, spec *ml.PipelineSpec, root string, fldPath *field.Path) (*ml.PipelineSpec, field.ErrorList) {
	e := &nested.Expander{
		Namespace: namespace,
		Limits:    p.nesting,
		Get: func(name string) (*ml.PipelineSpec, bool, error) {
			return p.getPipelineSpec(ctx, namespace, name)
		},
	}
	return e.Expand(spec, root, fldPath)
}

// getPipelineSpec reads a Pipeline's spec, internal, from the informer, or
// from the API when the informer has not seen it yet.
func (p *Plugin) getPipelineSpec(ctx context.Context, namespace, name string) (*ml.PipelineSpec, bool, error) {
	if name == "" {
		return nil, false, nil // validation names the field
	}
	pipeline, err := p.pipelines.Pipelines(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		pipeline, err = p.client.MlV1alpha1().Pipelines(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&pipeline.Spec, spec, nil); err != nil {
		return nil, false, fmt.Errorf("convert Pipeline %q: %w", name, err)
	}
	return spec.DeepCopy(), true, nil
}
