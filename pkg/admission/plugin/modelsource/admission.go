// Package modelsource is the ModelSource admission plugin: the TrainingJob
// a Model's source (or its canary's source) names in trainingJobRef must
// exist in the Model's namespace. A job that failed is refused with 422; a
// job that has not succeeded yet is accepted with a warning, and the Model
// controller keeps the condition SourceResolved=False until it succeeds.
//
// The job is read live, not from an informer: Models are written rarely and
// TrainingJobs often, so a watch of every TrainingJob for this check would
// cost far more than a read per Model write, and a live read never answers
// from a stale cache (a job that has just failed is refused).
package modelsource

import (
	"context"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/warning"

	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "ModelSource"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin checks the TrainingJobs that Models serve.
type Plugin struct {
	*admission.Handler
	client versioned.Interface
}

var (
	_ admission.ValidationInterface = &Plugin{}
	_ initializer.WantsMLClient     = &Plugin{}
)

// New returns the plugin; it needs the initializer before use.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update)}
}

// SetMLClient reads the TrainingJobs that Models name.
func (p *Plugin) SetMLClient(c versioned.Interface) { p.client = c }

// ValidateInitialization checks that the plugin got its client.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("%s: missing ml.example.io client", PluginName)
	}
	return nil
}

// Validate checks the TrainingJobs a new Model names, or those an update
// newly names.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != ml.Resource("models") || a.GetSubresource() != "" {
		return nil
	}
	model, ok := a.GetObject().(*ml.Model)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	var old *ml.Model
	if a.GetOperation() == admission.Update {
		if old, ok = a.GetOldObject().(*ml.Model); !ok {
			return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected old object of type %T", PluginName, a.GetOldObject()))
		}
	}

	type ref struct {
		name    string
		path    *field.Path
		changed bool
	}
	var refs []ref
	sourcePath := field.NewPath("spec", "source", "trainingJobRef", "name")
	if r := model.Spec.Source.TrainingJobRef; r != nil {
		refs = append(refs, ref{r.Name, sourcePath, old == nil || old.Spec.Source.TrainingJobRef == nil || old.Spec.Source.TrainingJobRef.Name != r.Name})
	}
	if c := model.Spec.Canary; c != nil && c.Source.TrainingJobRef != nil {
		name := c.Source.TrainingJobRef.Name
		changed := old == nil || old.Spec.Canary == nil || old.Spec.Canary.Source.TrainingJobRef == nil || old.Spec.Canary.Source.TrainingJobRef.Name != name
		refs = append(refs, ref{name, field.NewPath("spec", "canary", "source", "trainingJobRef", "name"), changed})
	}
	var errs field.ErrorList
	for _, r := range refs {
		if !r.changed {
			// A job that failed after the Model was created does not
			// block updates of the Model.
			continue
		}
		fieldErrs, err := p.check(ctx, a.GetNamespace(), r.name, r.path)
		if err != nil {
			return err
		}
		errs = append(errs, fieldErrs...)
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(ml.Kind("Model"), model.Name, errs)
	}
	return nil
}

// check looks up one referenced job: missing or failed is an error, not
// yet succeeded a warning. A job that cannot be read fails the request
// with a server error rather than guessing.
func (p *Plugin) check(ctx context.Context, namespace, name string, fldPath *field.Path) (field.ErrorList, error) {
	job, err := p.client.MlV1alpha1().TrainingJobs(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return field.ErrorList{field.Invalid(fldPath, name, fmt.Sprintf("TrainingJob %q does not exist in namespace %q", name, namespace))}, nil
	case err != nil:
		return nil, apierrors.NewInternalError(fmt.Errorf("%s: %s: read TrainingJob %q: %w", PluginName, fldPath, name, err))
	}
	switch job.Status.Phase {
	case mlv1alpha1.TrainingJobSucceeded:
		return nil, nil
	case mlv1alpha1.TrainingJobFailed:
		return field.ErrorList{field.Invalid(fldPath, name, fmt.Sprintf("TrainingJob %q failed; a Model serves only a job that succeeded", name))}, nil
	}
	phase := string(job.Status.Phase)
	if phase == "" {
		phase = "not started"
	}
	warning.AddWarning(ctx, "", fmt.Sprintf("%s: TrainingJob %q has not succeeded yet (%s); the Model waits with SourceResolved=False until it does",
		fldPath.String(), name, phase))
	return nil, nil
}
