// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=ml.example.io/ml-apiserver/pkg/apis/ml
// +k8s:defaulter-gen=TypeMeta
// +groupName=ml.example.io
// +k8s:openapi-model-package=io.example.ml.ml-apiserver.pkg.apis.ml.v1alpha1

// Package v1alpha1 is the v1alpha1 version of the ml.example.io API: the
// versioned, serialized form of Pipelines, PipelineRuns, TrainingJobs, Models
// and Notebooks.
package v1alpha1
