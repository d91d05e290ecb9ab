package kubernetes

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

var ownerKind = schema.GroupVersionKind{Group: "ml.example.io", Version: "v1alpha1", Kind: "TrainingJob"}

func testOwner(name string, uid types.UID) workload.Owner {
	obj := &metav1.ObjectMeta{Name: name, Namespace: "ns", UID: uid}
	return workload.NewOwner(obj, ownerKind, map[string]string{"ml.example.io/trainingjob": name})
}

// newRuntime returns a runtime over a fake clientset holding objs, with
// the informers' caches filled from it.
func newRuntime(t *testing.T, objs ...*corev1.Pod) (*Runtime, *fake.Clientset, informers.SharedInformerFactory) {
	t.Helper()
	client := fake.NewClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	r := New(Config{
		Client:       client,
		Pods:         factory.Core().V1().Pods(),
		Services:     factory.Core().V1().Services(),
		FieldManager: "ml-controller",
		Labels:       map[string]string{"app.kubernetes.io/managed-by": "ml-controller"},
	})
	for _, p := range objs {
		if err := factory.Core().V1().Pods().Informer().GetIndexer().Add(p); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return r, client, factory
}

func podOf(owner workload.Owner, name string) *corev1.Pod {
	ref := owner.ControllerRef()
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: "ns", UID: types.UID(name + "-uid"), Labels: owner.Labels,
		OwnerReferences: []metav1.OwnerReference{ref},
	}}
}

func TestEnsureReplica(t *testing.T) {
	owner := testOwner("a", "uid-a")
	r, client, _ := newRuntime(t)
	spec := workload.ReplicaSpec{Name: "a-0", Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      map[string]string{"team": "x", "app.kubernetes.io/managed-by": "someone-else"},
			Annotations: map[string]string{"note": "y"},
		},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "trainer", Image: "img"}}},
	}}
	created, err := r.EnsureReplica(context.Background(), owner, spec)
	if err != nil || !created {
		t.Fatalf("EnsureReplica = %v, %v; want created", created, err)
	}
	actions := client.Actions()
	if len(actions) != 1 {
		t.Fatalf("actions = %v", actions)
	}
	create := actions[0].(clienttesting.CreateActionImpl)
	if create.CreateOptions.FieldManager != "ml-controller" {
		t.Errorf("field manager = %q", create.CreateOptions.FieldManager)
	}
	want := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "a-0", Namespace: "ns",
			Labels: map[string]string{
				"team": "x", "ml.example.io/trainingjob": "a", "app.kubernetes.io/managed-by": "ml-controller",
			},
			Annotations: map[string]string{"note": "y"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Name: "a", UID: "uid-a",
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: spec.Template.Spec,
	}
	if diff := cmp.Diff(want, create.Object); diff != "" {
		t.Errorf("pod (-want +got):\n%s", diff)
	}
}

func TestEnsureReplicaExisting(t *testing.T) {
	owner := testOwner("a", "uid-a")
	mine := podOf(owner, "a-0")
	theirs := podOf(testOwner("a", "uid-of-an-older-a"), "a-1")
	r, client, _ := newRuntime(t, mine, theirs)

	created, err := r.EnsureReplica(context.Background(), owner, workload.ReplicaSpec{Name: "a-0"})
	if err != nil || created || len(client.Actions()) != 0 {
		t.Errorf("EnsureReplica of an existing pod = %v, %v, actions %v; want nothing done", created, err, client.Actions())
	}
	_, err = r.EnsureReplica(context.Background(), owner, workload.ReplicaSpec{Name: "a-1"})
	if !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("EnsureReplica over another owner's pod = %v, want ErrNotOwned", err)
	}
}

// TestEnsureReplicaCacheBehind checks that a pod the cache has not seen
// yet is not an error.
func TestEnsureReplicaCacheBehind(t *testing.T) {
	owner := testOwner("a", "uid-a")
	r, client, _ := newRuntime(t)
	if _, err := client.CoreV1().Pods("ns").Create(context.Background(), podOf(owner, "a-0"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created, err := r.EnsureReplica(context.Background(), owner, workload.ReplicaSpec{Name: "a-0"})
	if err != nil || created {
		t.Errorf("EnsureReplica = %v, %v; want not created, no error", created, err)
	}
}

func TestDeleteReplica(t *testing.T) {
	owner := testOwner("a", "uid-a")
	r, client, _ := newRuntime(t, podOf(owner, "a-0"))
	if err := r.DeleteReplica(context.Background(), owner, "a-0", "a-0-uid"); err != nil {
		t.Fatal(err)
	}
	del := client.Actions()[0].(clienttesting.DeleteActionImpl)
	if p := del.DeleteOptions.Preconditions; p == nil || p.UID == nil || *p.UID != "a-0-uid" {
		t.Errorf("delete preconditions = %+v, want the UID", p)
	}
	if err := r.DeleteReplica(context.Background(), owner, "a-0", "a-0-uid"); err != nil {
		t.Errorf("deleting a pod that is gone: %v", err)
	}
}

func TestListReplicas(t *testing.T) {
	owner := testOwner("a", "uid-a")
	uncontrolled := podOf(owner, "a-2")
	uncontrolled.OwnerReferences[0].Controller = nil
	other := podOf(testOwner("b", "uid-b"), "b-0")
	r, _, _ := newRuntime(t, podOf(owner, "a-1"), podOf(owner, "a-0"), podOf(testOwner("a", "uid-old"), "a-3"), uncontrolled, other)
	got, err := r.ListReplicas(owner)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"a-0", "a-1"}, names); diff != "" {
		t.Errorf("replicas (-want +got):\n%s", diff)
	}
}

func TestEnsureService(t *testing.T) {
	owner := testOwner("a", "uid-a")
	r, client, factory := newRuntime(t)
	spec := workload.ServiceSpec{
		Name: "a", Selector: map[string]string{"ml.example.io/trainingjob": "a"},
		Ports: []corev1.ServicePort{{Name: "rendezvous", Port: 29500}}, Headless: true,
	}
	created, err := r.EnsureService(context.Background(), owner, spec)
	if err != nil || !created {
		t.Fatalf("EnsureService = %v, %v", created, err)
	}
	svc := client.Actions()[0].(clienttesting.CreateActionImpl).Object.(*corev1.Service)
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses ||
		svc.Labels["ml.example.io/trainingjob"] != "a" || len(svc.OwnerReferences) != 1 {
		t.Errorf("service = %+v", svc)
	}

	if err := factory.Core().V1().Services().Informer().GetIndexer().Add(svc); err != nil {
		t.Fatal(err)
	}
	if created, err := r.EnsureService(context.Background(), owner, spec); err != nil || created {
		t.Errorf("EnsureService of an existing service = %v, %v", created, err)
	}
	if _, err := r.EnsureService(context.Background(), testOwner("a", "uid-new"), spec); !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("EnsureService over another owner's service = %v, want ErrNotOwned", err)
	}
}

func TestAddOwnerHandler(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	owner := testOwner("a", "uid-a")
	r, client, factory := newRuntime(t)
	got := make(chan cache.ObjectName, 10)
	if err := r.AddOwnerHandler(ownerKind.GroupKind(), func(n cache.ObjectName) { got <- n }); err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	foreign := podOf(owner, "x")
	foreign.OwnerReferences[0].APIVersion = "batch/v1"
	pods := client.CoreV1().Pods("ns")
	for _, p := range []*corev1.Pod{foreign, {ObjectMeta: metav1.ObjectMeta{Name: "lonely", Namespace: "ns"}}, podOf(owner, "a-0")} {
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pods.Delete(ctx, "a-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", OwnerReferences: []metav1.OwnerReference{owner.ControllerRef()}}}
	if _, err := client.CoreV1().Services("ns").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := cache.ObjectName{Namespace: "ns", Name: "a"}
	for i := range 3 { // pod added, pod deleted, service added
		select {
		case n := <-got:
			if n != want {
				t.Errorf("notified %v, want %v", n, want)
			}
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatalf("notification %d did not come", i+1)
		}
	}
	select {
	case n := <-got:
		t.Errorf("unexpected notification for %v", n)
	case <-time.After(100 * time.Millisecond):
	}
}
