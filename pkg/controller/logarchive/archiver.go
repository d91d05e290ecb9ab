package logarchive

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// Archiver archives the logs of one pod of an owner object.
type Archiver interface {
	Archive(ctx context.Context, owner schema.GroupKind, namespace, ownerName, pod, podUID string) error
}

// resources are the kinds with a log subresource, by kind.
var resources = map[string]string{
	"TrainingJob": "trainingjobs",
	"PipelineRun": "pipelineruns",
	"Model":       "models",
	"Notebook":    "notebooks",
}

// APIArchiver archives by POSTing a LogArchiveRequest to the owner's log
// subresource.
type APIArchiver struct {
	Client mlclientset.Interface
}

var _ Archiver = APIArchiver{}

// Archive asks the server to archive the logs of pod.
func (a APIArchiver) Archive(ctx context.Context, owner schema.GroupKind, namespace, ownerName, pod, podUID string) error {
	resource, ok := resources[owner.Kind]
	if owner.Group != mlv1alpha1.GroupName || !ok {
		return fmt.Errorf("no log subresource for %s", owner)
	}
	return a.Client.MlV1alpha1().RESTClient().Post().
		Namespace(namespace).Resource(resource).Name(ownerName).SubResource("log").
		Body(&mlv1alpha1.LogArchiveRequest{PodName: pod, PodUID: podUID}).
		Do(ctx).Error()
}

// servingLabels name, on the pods of serving objects, the object they
// serve.
var servingLabels = map[string]string{
	"Model":    mlv1alpha1.ModelNameLabel,
	"Notebook": mlv1alpha1.NotebookNameLabel,
}

// ownerOf returns the ml.example.io controller of pod, if any.
func ownerOf(pod *corev1.Pod) (schema.GroupKind, string, bool) {
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil || ref.Kind == "ReplicaSet" || ref.Kind == "StatefulSet" {
		// The pods of a Model's Deployments and of a Notebook's
		// StatefulSet are theirs by label.
		for kind, label := range servingLabels {
			if name := pod.Labels[label]; name != "" {
				return schema.GroupKind{Group: mlv1alpha1.GroupName, Kind: kind}, name, true
			}
		}
		return schema.GroupKind{}, "", false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil || gv.Group != mlv1alpha1.GroupName {
		return schema.GroupKind{}, "", false
	}
	if _, ok := resources[ref.Kind]; !ok {
		return schema.GroupKind{}, "", false
	}
	return schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, ref.Name, true
}
