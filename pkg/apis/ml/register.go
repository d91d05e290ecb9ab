package ml

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group served by ml-apiserver.
const GroupName = "ml.example.io"

// SchemeGroupVersion is the internal version of the group.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: runtime.APIVersionInternal}

var (
	// SchemeBuilder registers the internal types.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the internal types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

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
	return nil
}
