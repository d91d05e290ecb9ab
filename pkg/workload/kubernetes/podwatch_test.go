package kubernetes

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// managedPod is a pod of job a, made by the controller.
func managedPod(name string) *corev1.Pod {
	pod := podOf(testOwner("a", "uid-a"), name)
	pod.Labels = map[string]string{"ml.example.io/trainingjob": "a", "app.kubernetes.io/managed-by": "ml-controller"}
	pod.Spec.Containers = []corev1.Container{{Name: "trainer", Image: "img", Command: []string{"python", "train.py"}}}
	pod.Status.Phase = corev1.PodRunning
	return pod
}

// watchCalls counts the watches and lists of pods made through client.
func watchCalls(client *fake.Clientset) (watches, lists int) {
	for _, a := range client.Actions() {
		if a.GetResource().Resource != "pods" {
			continue
		}
		switch a.GetVerb() {
		case "watch":
			watches++
		case "list":
			lists++
		}
	}
	return watches, lists
}

// Many subscribers, in several namespaces, share one list and one watch
// of the controller's pods; each hears of the changes of its namespace
// only, and reads the cached pods as ListPods and GetPod of the source
// read them from kube-apiserver.
func TestWatchPodsSharesOneWatch(t *testing.T) {
	otherJob := managedPod("b-0")
	otherJob.Labels = map[string]string{"ml.example.io/trainingjob": "b", "app.kubernetes.io/managed-by": "ml-controller"}
	client := fake.NewClientset(managedPod("a-0"), otherJob)
	s := NewLogSource(client)
	const n = 50
	var inNS, other []*workload.PodSubscription
	for i := range n {
		ns := "ns"
		if i%2 == 1 {
			ns = "other"
		}
		sub, err := s.WatchPods(t.Context(), ns)
		if err != nil {
			t.Fatal(err)
		}
		if ns == "ns" {
			inNS = append(inNS, sub)
		} else {
			other = append(other, sub)
		}
	}
	if w, l := watchCalls(client); w != 1 || l != 1 {
		t.Fatalf("%d subscriptions made %d watches and %d lists of pods, want 1 and 1", n, w, l)
	}

	// A new pod of ns: every subscriber of ns hears of it; none of other.
	pod := managedPod("a-1")
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "trainer", RestartCount: 3}}
	if _, err := client.CoreV1().Pods("ns").Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, sub := range inNS {
		select {
		case <-sub.Changed:
		case <-time.After(30 * time.Second):
			t.Fatalf("subscriber %d of ns heard of no change", i)
		}
	}
	// The cache has it once the first subscriber heard of it.
	got, err := inNS[0].Pods.GetPod(t.Context(), "ns", "a-1")
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.GetPod(t.Context(), "ns", "a-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cached GetPod (-want +got):\n%s", diff)
	}
	for _, sel := range []string{"ml.example.io/trainingjob=a", "ml.example.io/trainingjob in (a,b)", "ml.example.io/trainingjob!=a", "app.kubernetes.io/managed-by"} {
		selector, err := labels.Parse(sel)
		if err != nil {
			t.Fatal(err)
		}
		cached, err := inNS[0].Pods.ListPods(t.Context(), "ns", selector)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := s.ListPods(t.Context(), "ns", selector)
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) == 0 {
			t.Errorf("%s: no pods listed", sel)
		}
		if diff := cmp.Diff(listed, cached, cmpPodsByName); diff != "" {
			t.Errorf("%s: cached ListPods (-want +got):\n%s", sel, diff)
		}
	}
	if _, err := inNS[0].Pods.GetPod(t.Context(), "ns", "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("cached GetPod of a missing pod: %v, want NotFound", err)
	}
	for i, sub := range other {
		select {
		case <-sub.Changed:
			t.Errorf("subscriber %d of other heard of a change in ns", i)
		default:
		}
	}

	// Deleting the pod tells ns again.
	if err := client.CoreV1().Pods("ns").Delete(t.Context(), "a-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inNS[0].Changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no change heard of after a delete")
	}

	if !inNS[0].Covers(pod.Labels) {
		t.Error("the watch does not cover a pod of the controller")
	}
	if inNS[0].Covers(map[string]string{"ml.example.io/trainingjob": "a"}) {
		t.Error("the watch covers a pod not labelled managed-by the controller")
	}
}

// cmpPodsByName sorts pods by name.
var cmpPodsByName = cmp.Transformer("byName", func(pods []workload.Pod) map[string]workload.Pod {
	m := map[string]workload.Pod{}
	for _, p := range pods {
		m[p.Name] = p
	}
	return m
})

// The watch runs while it has subscribers, and its linger after the last
// left; a subscriber after that starts it again.
func TestWatchPodsStopsWithoutSubscribers(t *testing.T) {
	client := fake.NewClientset(managedPod("a-0"))
	s := NewLogSource(client)
	s.watch.linger = 10 * time.Millisecond

	ctx, cancel := context.WithCancel(t.Context())
	if _, err := s.WatchPods(ctx, "ns"); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	if _, err := s.WatchPods(ctx2, "ns"); err != nil {
		t.Fatal(err)
	}
	cancel()
	time.Sleep(50 * time.Millisecond)
	if !s.watch.running() {
		t.Fatal("the watch stopped while a subscriber was left")
	}
	cancel2()
	deadline := time.Now().Add(30 * time.Second)
	for s.watch.running() {
		if time.Now().After(deadline) {
			t.Fatal("the watch runs on without subscribers")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sub, err := s.WatchPods(t.Context(), "ns")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Pods.GetPod(t.Context(), "ns", "a-0"); err != nil {
		t.Errorf("after a restart: %v", err)
	}
	if w, l := watchCalls(client); w != 2 || l != 2 {
		t.Errorf("%d watches and %d lists, want 2 of each (one per start)", w, l)
	}
}

// A subscriber whose context ends before the cache synced gets an error
// and leaves no subscription behind.
func TestWatchPodsCancelledBeforeSync(t *testing.T) {
	client := fake.NewClientset()
	// The list of pods does not answer until the test ends: the cache
	// cannot sync.
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	client.PrependReactor("list", "pods", func(clienttesting.Action) (bool, runtime.Object, error) {
		<-block
		return false, nil, nil
	})
	s := NewLogSource(client)
	s.watch.linger = time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.WatchPods(ctx, "ns"); err == nil {
		t.Fatal("no error from a cancelled subscription")
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.watch.running() {
		if time.Now().After(deadline) {
			t.Fatal("the watch runs on after its only subscriber gave up")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
