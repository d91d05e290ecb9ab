// Package pipelinerunresolve is the PipelineRunResolve admission plugin. On
// create of a PipelineRun it resolves what the run executes — the
// referenced Pipeline of the namespace, or the inline pipelineSpec — checks
// the given params against the declared ones (type, unknown, missing), and
// snapshots the pipeline spec, with the tasks of nested pipelines
// (pipelineRef tasks) expanded by package pipelinerun/nested, and the
// effective params (given values and declared defaults) into
// status.pipelineSpec and status.params; a run
// with spec.retryOf takes those of the ended run it retries, and starts
// with the tasks that succeeded there (status.tasks). The
// registry keeps that snapshot from then on, so edits to the Pipeline never
// change a run in flight; the PipelineRun controller executes from it.
// It also checks, on create, the pipeline trial template of a TuningJob
// (tuningjob.go).
package pipelinerunresolve

import (
	"context"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/admission/ready"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	listers "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/nested"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "PipelineRunResolve"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin resolves and snapshots the pipeline of new PipelineRuns.
type Plugin struct {
	*admission.Handler
	gate      *ready.Gate
	pipelines listers.PipelineLister
	client    versioned.Interface
	// authz, when the server gives one, checks that who retries a run may
	// read it and its pipeline (see authorizeRetry).
	authz authorizer.Authorizer
	// nesting bounds the expansion of nested pipelines (nested.go).
	nesting nested.Limits
}

var (
	_ admission.MutationInterface        = &Plugin{}
	_ admission.ValidationInterface      = &Plugin{}
	_ initializer.WantsMLInformerFactory = &Plugin{}
	_ initializer.WantsMLClient          = &Plugin{}
	_ genericinitializer.WantsAuthorizer = &Plugin{}
	_ admission.InitializationValidator  = &Plugin{}
)

// New returns the plugin; it needs the initializer before use.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create), gate: ready.New(PluginName), nesting: nested.DefaultLimits()}
}

// SetMLInformerFactory reads Pipelines from the shared informer.
func (p *Plugin) SetMLInformerFactory(f externalversions.SharedInformerFactory) {
	informer := f.Ml().V1alpha1().Pipelines()
	p.pipelines = informer.Lister()
	p.gate.Add("pipelines", informer.Informer().HasSynced)
}

// SetMLClient reads Pipelines the informer has not seen yet.
func (p *Plugin) SetMLClient(c versioned.Interface) { p.client = c }

// Gate is the plugin's readiness gate; tests shorten its wait.
func (p *Plugin) Gate() *ready.Gate { return p.gate }

// ValidateInitialization checks that the plugin got its informer and client.
func (p *Plugin) ValidateInitialization() error {
	if p.pipelines == nil {
		return fmt.Errorf("%s: missing Pipeline informer", PluginName)
	}
	if p.client == nil {
		return fmt.Errorf("%s: missing ml.example.io client", PluginName)
	}
	return nil
}

func handles(a admission.Attributes) bool {
	return a.GetResource().GroupResource() == ml.Resource("pipelineruns") && a.GetSubresource() == ""
}

// Admit resolves the run's pipeline and writes the snapshot.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if !handles(a) || a.GetOperation() != admission.Create {
		return nil
	}
	run, ok := a.GetObject().(*ml.PipelineRun)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	run.Status.Pipeline, run.Status.PipelineSpec, run.Status.Params, run.Status.Tasks = nil, nil, nil, nil
	if run.Spec.RetryOf != nil {
		if run.Spec.PipelineRef != nil || run.Spec.PipelineSpec != nil || len(run.Spec.Params) > 0 || run.Spec.RetryOf.Name == "" {
			return nil // validation refuses it, naming the fields
		}
		if err := p.gate.Check(ctx); err != nil {
			return err
		}
		if err := p.authorizeRetry(ctx, a, run.Spec.RetryOf.Name); err != nil {
			return err
		}
		if errs := p.resolveRetry(ctx, a.GetNamespace(), run); len(errs) > 0 {
			name := run.Name
			if name == "" {
				name = run.GenerateName // as kubectl ml retry creates it
			}
			return apierrors.NewInvalid(ml.Kind("PipelineRun"), name, errs)
		}
		return nil
	}
	if (run.Spec.PipelineRef == nil) == (run.Spec.PipelineSpec == nil) {
		return nil // validation refuses it, naming the fields
	}
	paramsPath := field.NewPath("spec", "params")
	if run.Spec.PipelineSpec != nil {
		// Validation checks an inline pipeline and its params, with all
		// other errors at once; a run it refuses needs no snapshot.
		spec := run.Spec.PipelineSpec.DeepCopy()
		if params, errs := EffectiveParams(spec.Params, run.Spec.Params, paramsPath); len(errs) == 0 {
			if nested.HasNested(spec) {
				if err := p.gate.Check(ctx); err != nil {
					return err
				}
			}
			if spec, errs = p.expand(ctx, a.GetNamespace(), spec, "", field.NewPath("spec", "pipelineSpec")); len(errs) > 0 {
				return apierrors.NewInvalid(ml.Kind("PipelineRun"), run.Name, errs)
			}
			run.Status.Pipeline, run.Status.PipelineSpec, run.Status.Params = &ml.PipelineSnapshotRef{}, spec, params
		}
		return nil
	}
	if err := p.gate.Check(ctx); err != nil {
		return err
	}
	spec, ref, errs := p.resolve(ctx, a.GetNamespace(), run)
	if len(errs) == 0 {
		spec, errs = p.expand(ctx, a.GetNamespace(), spec, ref.Name, field.NewPath("spec", "pipelineRef", "name"))
	}
	if len(errs) == 0 {
		var params []ml.Param
		params, errs = EffectiveParams(spec.Params, run.Spec.Params, paramsPath)
		run.Status.Pipeline, run.Status.PipelineSpec, run.Status.Params = ref, spec, params
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(ml.Kind("PipelineRun"), run.Name, errs)
	}
	return nil
}

// Validate checks that the snapshot is there and consistent, whatever
// mutated the run after Admit.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if handlesTuningJob(a) {
		return p.validateTuningJob(ctx, a)
	}
	if !handles(a) || a.GetOperation() != admission.Create {
		return nil
	}
	run, ok := a.GetObject().(*ml.PipelineRun)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object of type %T", PluginName, a.GetObject()))
	}
	statusPath := field.NewPath("status")
	if run.Status.PipelineSpec == nil {
		return apierrors.NewInvalid(ml.Kind("PipelineRun"), run.Name, field.ErrorList{
			field.Required(statusPath.Child("pipelineSpec"), "the resolved pipeline is missing: it is written by admission"),
		})
	}
	declared := run.Status.PipelineSpec.Params
	errs := validation.ValidateParamsAgainstSpec(declared, run.Status.Params, statusPath.Child("params"))
	if len(errs) == 0 && len(run.Status.Params) != len(declared) {
		errs = append(errs, field.Invalid(statusPath.Child("params"), len(run.Status.Params),
			fmt.Sprintf("must hold a value for each of the %d declared parameters", len(declared))))
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(ml.Kind("PipelineRun"), run.Name, errs)
	}
	return nil
}

// resolve returns a copy of the referenced pipeline's spec, and where it
// was taken from.
func (p *Plugin) resolve(ctx context.Context, namespace string, run *ml.PipelineRun) (*ml.PipelineSpec, *ml.PipelineSnapshotRef, field.ErrorList) {
	name := run.Spec.PipelineRef.Name
	refPath := field.NewPath("spec", "pipelineRef", "name")
	pipeline, err := p.pipelines.Pipelines(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// The informer may lag a Pipeline created just before the run.
		pipeline, err = p.client.MlV1alpha1().Pipelines(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil, field.ErrorList{field.Invalid(refPath, name,
			fmt.Sprintf("Pipeline %q does not exist in namespace %q", name, namespace))}
	case err != nil:
		return nil, nil, field.ErrorList{field.InternalError(refPath, fmt.Errorf("read Pipeline %q: %w", name, err))}
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&pipeline.Spec, spec, nil); err != nil {
		return nil, nil, field.ErrorList{field.InternalError(refPath, fmt.Errorf("convert Pipeline %q: %w", name, err))}
	}
	ref := &ml.PipelineSnapshotRef{Name: pipeline.Name, ResourceVersion: pipeline.ResourceVersion, Generation: pipeline.Generation}
	return spec.DeepCopy(), ref, nil
}

// EffectiveParams checks the given params (at fldPath) against the declared
// ones and returns the value of every declared param, in declaration
// order: the given value, else the default.
func EffectiveParams(declared []ml.ParamSpec, given []ml.Param, fldPath *field.Path) ([]ml.Param, field.ErrorList) {
	if errs := validation.ValidateParamsAgainstSpec(declared, given, fldPath); len(errs) > 0 {
		return nil, errs
	}
	values := make(map[string]string, len(given))
	for _, g := range given {
		values[g.Name] = g.Value
	}
	var params []ml.Param
	var errs field.ErrorList
	for _, d := range declared {
		v, ok := values[d.Name]
		if !ok {
			v = *d.Default // ValidateParamsAgainstSpec made sure it is set
			if err := validation.CheckParamValue(d.Type, v); err != nil {
				errs = append(errs, field.Invalid(fldPath, d.Name, fmt.Sprintf("parameter %q is not given and its default %q is not a valid %s: %v", d.Name, v, d.Type, err)))
			}
		}
		params = append(params, ml.Param{Name: d.Name, Value: v})
	}
	return params, errs
}
