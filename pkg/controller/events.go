package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Scheme knows the core kinds and ml.example.io/v1alpha1, so that the event
// recorder can reference objects read from listers (whose TypeMeta is
// empty) by kind and API version.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(mlv1alpha1.AddToScheme(Scheme))
}

// NewEventRecorder returns a recorder writing core/v1 Events through client
// until the returned broadcaster is shut down. Every event carries a full
// reference to its object (kind, namespace, name, UID, API version), which
// is how `kubectl describe` finds it.
func NewEventRecorder(ctx context.Context, client kubernetes.Interface) (record.EventBroadcaster, record.EventRecorder) {
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartStructuredLogging(4)
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return broadcaster, broadcaster.NewRecorder(Scheme, corev1.EventSource{Component: mlv1alpha1.ControllerName})
}
