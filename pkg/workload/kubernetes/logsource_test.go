package kubernetes

import (
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestLogSourceReadsPods(t *testing.T) {
	ctx := context.Background()
	owner := testOwner("a", "uid-a")
	running := podOf(owner, "a-0")
	running.UID = "pod-0"
	running.Spec.Containers = []corev1.Container{{Name: "trainer"}, {Name: "sidecar"}}
	running.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "trainer", RestartCount: 2}}
	done := podOf(owner, "a-1")
	done.Status.Phase = corev1.PodSucceeded
	other := podOf(testOwner("b", "uid-b"), "b-0")
	other.Labels = map[string]string{"ml.example.io/trainingjob": "b"}
	client := fake.NewClientset(running, done, other)
	s := NewLogSource(client)

	pods, err := s.ListPods(ctx, "ns", labels.SelectorFromSet(labels.Set{"ml.example.io/trainingjob": "a"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []workload.Pod{{
		Name: "a-0", UID: "pod-0", Labels: running.Labels, ControllerUID: "uid-a",
		Containers: []string{"trainer", "sidecar"}, Restarts: map[string]int32{"trainer": 2},
	}, {
		Name: "a-1", UID: "a-1-uid", Labels: done.Labels, ControllerUID: "uid-a", Restarts: map[string]int32{}, Finished: true,
	}}
	if diff := cmp.Diff(want, pods); diff != "" {
		t.Errorf("ListPods (-want +got):\n%s", diff)
	}

	pod, err := s.GetPod(ctx, "ns", "a-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want[1], pod); diff != "" {
		t.Errorf("GetPod (-want +got):\n%s", diff)
	}
	if _, err := s.GetPod(ctx, "ns", "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("GetPod of a missing pod: %v, want NotFound", err)
	}
}

func TestLogSourceStreamPassesOptions(t *testing.T) {
	client := fake.NewClientset(podOf(testOwner("a", "uid-a"), "a-0"))
	opts := workload.PodLogOptions{
		Container: "trainer", Follow: true, Previous: true, Timestamps: true,
		TailLines: ptr.To[int64](10), SinceSeconds: ptr.To[int64](60), LimitBytes: ptr.To[int64](1 << 20),
	}
	rc, err := NewLogSource(client).Stream(context.Background(), "ns", "a-0", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()

	var got *corev1.PodLogOptions
	for _, a := range client.Actions() {
		if g, ok := a.(clienttesting.GenericAction); ok && a.GetSubresource() == "log" {
			got, _ = g.GetValue().(*corev1.PodLogOptions)
		}
	}
	want := &corev1.PodLogOptions{
		Container: "trainer", Follow: true, Previous: true, Timestamps: true,
		TailLines: ptr.To[int64](10), SinceSeconds: ptr.To[int64](60), LimitBytes: ptr.To[int64](1 << 20),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pods/log options (-want +got):\n%s", diff)
	}
}
