package testing

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// ServingRuntimeSpec is a valid serving runtime spec: ServingImage on port
// 8080 with args and env, supporting format (autoSelect) at priority.
func ServingRuntimeSpec(format string, priority int32) mlv1alpha1.ServingRuntimeSpec {
	return mlv1alpha1.ServingRuntimeSpec{
		Protocol: "v2",
		SupportedModelFormats: []mlv1alpha1.SupportedModelFormat{
			{Name: format, AutoSelect: true, Priority: priority},
		},
		Container: mlv1alpha1.ModelRuntime{
			Image: ServingImage, Args: []string{"--model-dir=/mnt/models"}, Port: 8080,
		},
	}
}

// NewClusterServingRuntime returns a v1alpha1 ClusterServingRuntime for
// format, as a client sends it.
func NewClusterServingRuntime(name, format string, priority int32) *mlv1alpha1.ClusterServingRuntime {
	return &mlv1alpha1.ClusterServingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       ServingRuntimeSpec(format, priority),
	}
}

// NewServingRuntime returns a v1alpha1 ServingRuntime of namespace for
// format, as a client sends it.
func NewServingRuntime(name, namespace, format string, priority int32) *mlv1alpha1.ServingRuntime {
	return &mlv1alpha1.ServingRuntime{
		ObjectMeta: objectMeta(name, namespace),
		Spec:       ServingRuntimeSpec(format, priority),
	}
}
