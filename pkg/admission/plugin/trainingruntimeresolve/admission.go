// Package trainingruntimeresolve is the TrainingRuntimeResolve admission
// plugin. On create of a TrainingJob that names a ClusterTrainingRuntime or
// TrainingRuntime in spec.runtimeRef, it reads the runtime and merges its
// template under the job's own fields (Merge), so the stored spec is the
// whole job: editing or deleting the runtime afterwards never changes a job
// that was made from it. The annotations ml.example.io/training-runtime and
// ml.example.io/training-runtime-generation record where the spec came
// from. A runtime that does not exist is refused with 422 naming
// spec.runtimeRef.name.
//
// Deleting a runtime that TrainingJobs name is allowed (they hold their
// snapshot) and answered with a Warning header naming them.
package trainingruntimeresolve

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
const PluginName = "TrainingRuntimeResolve"

// maxNamedInWarning bounds the jobs a deletion warning names.
const maxNamedInWarning = 5

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin resolves the runtime of new TrainingJobs.
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
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Delete)}
}

// SetMLClient reads runtimes (live: a runtime created just before a job
// is found) and, on a runtime's deletion, the jobs that name it.
func (p *Plugin) SetMLClient(c versioned.Interface) { p.client = c }

// ValidateInitialization checks that the plugin got its client.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("%s: missing ml.example.io client", PluginName)
	}
	return nil
}

// Admit merges the named runtime into a new TrainingJob.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetOperation() != admission.Create ||
		a.GetResource().GroupResource() != ml.Resource("trainingjobs") {
		return nil
	}
	job, ok := a.GetObject().(*ml.TrainingJob)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	delete(job.Annotations, mlv1alpha1.TrainingRuntimeAnnotation)
	delete(job.Annotations, mlv1alpha1.TrainingRuntimeGenerationAnnotation)
	ref := job.Spec.RuntimeRef
	if ref == nil || ref.Name == "" {
		return nil // validation refuses an empty name
	}
	template, generation, errs := p.resolve(ctx, a.GetNamespace(), ref)
	if len(errs) > 0 {
		name := job.Name
		if name == "" {
			name = job.GenerateName
		}
		return apierrors.NewInvalid(ml.Kind("TrainingJob"), name, errs)
	}
	Resolve(&job.Spec, template)
	if job.Annotations == nil {
		job.Annotations = map[string]string{}
	}
	job.Annotations[mlv1alpha1.TrainingRuntimeAnnotation] = string(kindOf(ref)) + "/" + ref.Name
	job.Annotations[mlv1alpha1.TrainingRuntimeGenerationAnnotation] = strconv.FormatInt(generation, 10)
	return nil
}

// Validate warns when a runtime that TrainingJobs name is deleted.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetSubresource() != "" || a.GetOperation() != admission.Delete {
		return nil
	}
	var kind ml.TrainingRuntimeKind
	switch a.GetResource().GroupResource() {
	case ml.Resource("clustertrainingruntimes"):
		kind = ml.ClusterTrainingRuntimeKind
	case ml.Resource("trainingruntimes"):
		kind = ml.TrainingRuntimeKindName
	default:
		return nil
	}
	users, err := p.jobsNaming(ctx, kind, a.GetNamespace(), a.GetName())
	if err != nil {
		// A warning is a courtesy: never refuse a deletion for it.
		klog.FromContext(ctx).Error(err, "List the TrainingJobs that name a deleted runtime", "kind", kind, "name", a.GetName())
		return nil
	}
	if len(users) > 0 {
		warning.AddWarning(ctx, "", deletionWarning(kind, a.GetName(), users))
	}
	return nil
}

// resolve reads the runtime ref names.
func (p *Plugin) resolve(ctx context.Context, namespace string, ref *ml.TrainingRuntimeRef) (*ml.TrainingRuntimeTemplate, int64, field.ErrorList) {
	namePath := field.NewPath("spec", "runtimeRef", "name")
	var (
		spec       *mlv1alpha1.TrainingRuntimeSpec
		generation int64
		err        error
		where      string
	)
	switch kindOf(ref) {
	case ml.ClusterTrainingRuntimeKind:
		var r *mlv1alpha1.ClusterTrainingRuntime
		if r, err = p.client.MlV1alpha1().ClusterTrainingRuntimes().Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			spec, generation = &r.Spec, r.Generation
		}
	case ml.TrainingRuntimeKindName:
		var r *mlv1alpha1.TrainingRuntime
		if r, err = p.client.MlV1alpha1().TrainingRuntimes(namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			spec, generation = &r.Spec, r.Generation
		}
		where = fmt.Sprintf(" in namespace %q", namespace)
	default:
		return nil, 0, nil // validation refuses the kind
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, 0, field.ErrorList{field.Invalid(namePath, ref.Name,
			fmt.Sprintf("%s %q does not exist%s", kindOf(ref), ref.Name, where))}
	case err != nil:
		return nil, 0, field.ErrorList{field.InternalError(namePath, fmt.Errorf("read %s %q: %w", kindOf(ref), ref.Name, err))}
	}
	template := &ml.TrainingRuntimeTemplate{}
	if err := mlv1alpha1.Convert_v1alpha1_TrainingRuntimeTemplate_To_ml_TrainingRuntimeTemplate(&spec.Template, template, nil); err != nil {
		return nil, 0, field.ErrorList{field.InternalError(namePath, fmt.Errorf("convert %s %q: %w", kindOf(ref), ref.Name, err))}
	}
	return template, generation, nil
}

// jobsNaming lists the TrainingJobs whose runtimeRef names the runtime:
// in its namespace for a TrainingRuntime, in every one for a cluster one.
func (p *Plugin) jobsNaming(ctx context.Context, kind ml.TrainingRuntimeKind, namespace, name string) ([]string, error) {
	if kind == ml.ClusterTrainingRuntimeKind {
		namespace = metav1.NamespaceAll
	}
	jobs, err := p.client.MlV1alpha1().TrainingJobs(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list TrainingJobs: %w", err)
	}
	var users []string
	for _, j := range jobs.Items {
		r := j.Spec.RuntimeRef
		if r != nil && r.Name == name && string(r.Kind) == string(kind) {
			users = append(users, j.Namespace+"/"+j.Name)
		}
	}
	return users, nil
}

func deletionWarning(kind ml.TrainingRuntimeKind, name string, users []string) string {
	named := users
	if len(named) > maxNamedInWarning {
		named = named[:maxNamedInWarning]
	}
	more := ""
	if len(users) > len(named) {
		more = fmt.Sprintf(" and %d more", len(users)-len(named))
	}
	return fmt.Sprintf("%s %q is named by %d TrainingJob(s) (%s%s); they keep the template they were admitted with, but new jobs naming it will be refused",
		kind, name, len(users), strings.Join(named, ", "), more)
}

// kindOf is the reference's kind, ClusterTrainingRuntime when unset.
func kindOf(ref *ml.TrainingRuntimeRef) ml.TrainingRuntimeKind {
	if ref.Kind == "" {
		return ml.ClusterTrainingRuntimeKind
	}
	return ref.Kind
}
