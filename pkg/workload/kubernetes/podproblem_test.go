package kubernetes

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// A Deployment whose pod cannot pull its image says so in the set's
// status, which the Model's Ready condition quotes.
func TestServedSetPodProblem(t *testing.T) {
	ctx := context.Background()
	owner := testOwner("a", "uid-a")
	r := newServingRuntime(t)
	if _, err := r.EnsureServedSet(ctx, owner, servedSet(1, "nope:1")); err != nil {
		t.Fatal(err)
	}
	r.sync()
	sets, err := r.ListServedSets(owner)
	if err != nil || len(sets) != 1 {
		t.Fatalf("ListServedSets = %+v, %v", sets, err)
	}
	if sets[0].Reason != "" {
		t.Errorf("without pods: reason %q, want none", sets[0].Reason)
	}

	// The pod as the kubelet reports it, with the set's labels.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: owner.Namespace, Name: "a-7d9f-x2", Labels: map[string]string{"track": "stable"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "server"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name:  "server",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "nope:1"`}},
		}}},
	}
	for k, v := range owner.Labels {
		pod.Labels[k] = v
	}
	if err := r.factory.Core().V1().Pods().Informer().GetIndexer().Add(pod); err != nil {
		t.Fatal(err)
	}
	sets, err = r.ListServedSets(owner)
	if err != nil || len(sets) != 1 {
		t.Fatalf("ListServedSets = %+v, %v", sets, err)
	}
	got := sets[0]
	if got.Failed || got.Reason != "ImagePullBackOff" || got.Message != `a-7d9f-x2: Back-off pulling image "nope:1"` {
		t.Errorf("set status %+v: want not failed, ImagePullBackOff with the pod's message", got)
	}
	if !strings.Contains(got.Message, "nope:1") || got.Reason == workload.ReasonWaitingForProcessSlot {
		t.Errorf("message %q", got.Message)
	}
}
