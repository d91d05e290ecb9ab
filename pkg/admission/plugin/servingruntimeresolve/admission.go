// Package servingruntimeresolve is the ServingRuntimeResolve admission
// plugin. On create of a Model it picks the Model's serving runtime — the
// ClusterServingRuntime or ServingRuntime spec.runtimeRef names, or, for a
// Model that names only spec.format and no server of its own, the runtime
// Select finds — records it in spec.runtimeRef and merges the runtime's
// container under the Model's own spec.runtime (Merge). The stored spec is
// the whole server: editing or deleting the runtime afterwards never
// changes a Model that was admitted with it.
//
// On update nothing is selected again: an update that leaves out the
// resolved fields (a repeated `kubectl apply --server-side` of the manifest
// that named only the format) keeps them (KeepSnapshot).
//
// A runtimeRef to a runtime that does not exist, or that does not list the
// Model's format, is refused with 422. A format no runtime supports is
// admitted: the Model controller sets it Failed with a condition naming
// the format. Deleting a runtime that Models name is allowed (they hold
// their snapshot) and answered with a Warning header naming them.
package servingruntimeresolve

import (
	"context"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "ServingRuntimeResolve"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin resolves the serving runtime of new Models.
type Plugin struct {
	*admission.Handler
	client versioned.Interface
}

var (
	_ admission.MutationInterface       = &Plugin{}
	_ admission.ValidationInterface     = &Plugin{}
	_ initializer.WantsMLClient         = &Plugin{}
	_ admission.InitializationValidator = &Plugin{}
)

// New returns the plugin; it needs the initializer before use.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update, admission.Delete)}
}

// SetMLClient reads runtimes (live: a runtime created just before a Model
// is found) and, on a runtime's deletion, the Models that name it.
func (p *Plugin) SetMLClient(c versioned.Interface) { p.client = c }

// ValidateInitialization checks that the plugin got its client.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("%s: missing ml.example.io client", PluginName)
	}
	return nil
}

// Admit resolves the runtime of a new Model.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetOperation() == admission.Delete ||
		a.GetResource().GroupResource() != ml.Resource("models") {
		return nil
	}
	m, ok := a.GetObject().(*ml.Model)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	if a.GetOperation() == admission.Update {
		if old, ok := a.GetOldObject().(*ml.Model); ok {
			KeepSnapshot(&m.Spec, &old.Spec)
		}
		return nil
	}
	name := m.Name
	if name == "" {
		name = m.GenerateName
	}
	spec := &m.Spec
	if ref := spec.RuntimeRef; ref != nil {
		if ref.Name == "" {
			return nil // validation refuses an empty name
		}
		rt, errs := p.named(ctx, a.GetNamespace(), ref, spec.Format, spec.FormatVersion)
		if len(errs) > 0 {
			return apierrors.NewInvalid(ml.Kind("Model"), name, errs)
		}
		ref.Kind = KindOf(ref)
		Merge(spec, rt)
		defaultPort(spec)
		return nil
	}
	if spec.Format == "" || spec.Runtime.Image != "" || len(spec.Runtime.Command) > 0 {
		return nil // a Model with its own server keeps it
	}
	candidates, err := p.candidates(ctx, a.GetNamespace())
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("%s: %w", PluginName, err))
	}
	chosen, ok := Select(spec.Format, spec.FormatVersion, candidates)
	if !ok {
		klog.FromContext(ctx).V(2).Info("No serving runtime supports the format of a Model",
			"model", klog.KRef(a.GetNamespace(), name), "format", spec.Format, "version", spec.FormatVersion)
		defaultPort(spec)
		return nil // the controller sets the Model Failed
	}
	spec.RuntimeRef = &ml.ServingRuntimeRef{Kind: chosen.Kind, Name: chosen.Name}
	Merge(spec, chosen.Spec)
	defaultPort(spec)
	return nil
}

// Validate warns when a runtime that Models name is deleted.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetOperation() != admission.Delete {
		return nil
	}
	var kind ml.ServingRuntimeKind
	switch a.GetResource().GroupResource() {
	case ml.Resource("clusterservingruntimes"):
		kind = ml.ClusterServingRuntimeKind
	case ml.Resource("servingruntimes"):
		kind = ml.ServingRuntimeKindName
	default:
		return nil
	}
	users, err := p.modelsNaming(ctx, kind, a.GetNamespace(), a.GetName())
	if err != nil {
		// A warning is a courtesy: never refuse a deletion for it.
		klog.FromContext(ctx).Error(err, "List the Models that name a deleted serving runtime", "kind", kind, "name", a.GetName())
		return nil
	}
	if len(users) > 0 {
		warning.AddWarning(ctx, "", deletionWarning(kind, a.GetName(), users))
	}
	return nil
}

// KindOf is the reference's kind, ClusterServingRuntime when unset.
func KindOf(ref *ml.ServingRuntimeRef) ml.ServingRuntimeKind {
	if ref.Kind == "" {
		return ml.ClusterServingRuntimeKind
	}
	return ref.Kind
}

// unsupportedFormat is the error of a named runtime that does not list the
// Model's format.
func unsupportedFormat(ref *ml.ServingRuntimeRef, format, version string) *field.Error {
	return field.Invalid(field.NewPath("spec", "runtimeRef", "name"), ref.Name,
		fmt.Sprintf("%s %q does not support format %s", KindOf(ref), ref.Name, FormatString(format, version)))
}

// FormatString prints a format as "name" or "name version v".
func FormatString(format, version string) string {
	if version == "" {
		return fmt.Sprintf("%q", format)
	}
	return fmt.Sprintf("%q version %q", format, version)
}

// defaultPort gives a Model served by a runtime the usual port when neither
// it nor the runtime names one: defaulting leaves the port of such a Model
// to the runtime.
func defaultPort(spec *ml.ModelSpec) {
	if spec.Runtime.Port == 0 {
		spec.Runtime.Port = mlv1alpha1.DefaultModelPort
	}
}
