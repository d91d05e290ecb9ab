package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	kubefake "k8s.io/client-go/kubernetes/fake"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// TestEventReference checks that an event about a job read from a lister
// (no TypeMeta) is a core/v1 Event in the job's namespace whose
// involvedObject has everything `kubectl describe` matches on.
func TestEventReference(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := kubefake.NewClientset()
	broadcaster, recorder := NewEventRecorder(ctx, client)
	defer broadcaster.Shutdown()

	job := &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a", ResourceVersion: "7"}}
	recorder.Event(job, corev1.EventTypeNormal, "Completed", "All 2 replicas succeeded")

	var events *corev1.EventList
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		events, err = client.CoreV1().Events("ns").List(ctx, metav1.ListOptions{})
		return err == nil && len(events.Items) == 1, err
	})
	if err != nil {
		t.Fatalf("no event written: %v", err)
	}
	e := events.Items[0]
	want := corev1.ObjectReference{
		APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Namespace: "ns", Name: "a", UID: "uid-a", ResourceVersion: "7",
	}
	if e.InvolvedObject != want {
		t.Errorf("involvedObject = %+v, want %+v", e.InvolvedObject, want)
	}
	if e.Source.Component != mlv1alpha1.ControllerName || e.Reason != "Completed" || e.Type != corev1.EventTypeNormal {
		t.Errorf("event = %+v", e)
	}
}
