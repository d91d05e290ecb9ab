// Package install registers the ml.example.io API group in a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Install registers the internal and versioned types of the group.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(ml.AddToScheme(scheme))
	utilruntime.Must(mlv1alpha1.AddToScheme(scheme))
	utilruntime.Must(scheme.SetVersionPriority(mlv1alpha1.SchemeGroupVersion))
}
