package registryutil

import mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"

// The label keys the controller puts on the pods it makes for an object,
// with the object's name as the value. Until the controller reports
// status.selector, the scale subresource reports a selector on this label,
// so that `kubectl scale` and a HorizontalPodAutoscaler see the pods the
// controller will make.
const (
	// TrainingJobNameLabel marks the pods of a TrainingJob; the controller
	// uses the same key from the API package.
	TrainingJobNameLabel = mlv1alpha1.TrainingJobNameLabel
	// ModelNameLabel marks the server pods of a Model.
	ModelNameLabel = mlv1alpha1.ModelNameLabel
	// NotebookNameLabel marks the pod of a Notebook.
	NotebookNameLabel = mlv1alpha1.NotebookNameLabel
)
