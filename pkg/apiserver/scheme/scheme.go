// Package scheme holds the runtime.Scheme, codecs and parameter codec of
// ml-apiserver. It is a leaf package so that the server, the registry,
// admission plugins and tests share one scheme without import cycles.
package scheme

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	scalescheme "k8s.io/client-go/scale/scheme"
	scaleautoscalingv1 "k8s.io/client-go/scale/scheme/autoscalingv1"

	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
)

var (
	// Scheme knows the internal and versioned types of ml.example.io, the
	// autoscaling Scale used by the scale subresources, and the versioned
	// core/v1 Events standalone mode serves (see CoreScheme).
	Scheme = runtime.NewScheme()
	// Codecs serializes the types of Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
	// ParameterCodec decodes query parameters into option kinds registered
	// in Scheme (metav1.ParameterCodec only knows meta types).
	ParameterCodec = runtime.NewParameterCodec(Scheme)
)

func init() {
	install.Install(Scheme)
	utilruntime.Must(scalescheme.AddToScheme(Scheme))
	utilruntime.Must(scaleautoscalingv1.AddToScheme(Scheme))
	utilruntime.Must(addCoreEvents())

	// The generic server decodes list and get options as if they belonged to
	// an empty-group v1.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}
