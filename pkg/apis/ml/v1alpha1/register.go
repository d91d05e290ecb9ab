package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group served by ml-apiserver.
const GroupName = "ml.example.io"

// SchemeGroupVersion is the group version of the types in this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

var (
	// SchemeBuilder registers the types and functions of this package.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds the types of this group version to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	// Generated functions (defaults, conversions) register themselves in the
	// generated files; this keeps the package compiling without them.
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs)
}

// Kind returns a group-qualified GroupKind.
func Kind(kind string) schema.GroupKind {
	return SchemeGroupVersion.WithKind(kind).GroupKind()
}

// Resource returns a group-qualified GroupResource.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&Pipeline{}, &PipelineList{},
		&PipelineRun{}, &PipelineRunList{},
		&TrainingJob{}, &TrainingJobList{},
		&Model{}, &ModelList{},
		&Notebook{}, &NotebookList{},
		&Profile{}, &ProfileList{},
		&ProfileRequest{},
		&RecurringRun{}, &RecurringRunList{},
		&TuningJob{}, &TuningJobList{},
		&ClusterTrainingRuntime{}, &ClusterTrainingRuntimeList{},
		&TrainingRuntime{}, &TrainingRuntimeList{},
		&ClusterServingRuntime{}, &ClusterServingRuntimeList{},
		&ServingRuntime{}, &ServingRuntimeList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
