package kubernetes

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// servingRuntime is a runtime with served sets and volumes over a fake
// clientset; sync copies what the clientset holds into the caches.
type servingRuntime struct {
	*Runtime
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
}

func newServingRuntime(t *testing.T) *servingRuntime {
	client := fake.NewClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	r := New(Config{
		Client:       client,
		Pods:         factory.Core().V1().Pods(),
		Services:     factory.Core().V1().Services(),
		Deployments:  factory.Apps().V1().Deployments(),
		StatefulSets: factory.Apps().V1().StatefulSets(),
		Volumes:      factory.Core().V1().PersistentVolumeClaims(),
		FieldManager: "ml-controller",
		Labels:       map[string]string{"app.kubernetes.io/managed-by": "ml-controller"},
	})
	return &servingRuntime{Runtime: r, t: t, client: client, factory: factory}
}

// sync fills the caches from the clientset and forgets its actions.
func (s *servingRuntime) sync() {
	s.t.Helper()
	ctx := context.Background()
	ds, _ := s.client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	ss, _ := s.client.AppsV1().StatefulSets("").List(ctx, metav1.ListOptions{})
	cs, _ := s.client.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	var d, st, c []any
	for i := range ds.Items {
		d = append(d, &ds.Items[i])
	}
	for i := range ss.Items {
		st = append(st, &ss.Items[i])
	}
	for i := range cs.Items {
		c = append(c, &cs.Items[i])
	}
	for inf, objs := range map[interface{ Replace([]any, string) error }][]any{
		s.factory.Apps().V1().Deployments().Informer().GetIndexer():            d,
		s.factory.Apps().V1().StatefulSets().Informer().GetIndexer():           st,
		s.factory.Core().V1().PersistentVolumeClaims().Informer().GetIndexer(): c,
	} {
		if err := inf.Replace(objs, ""); err != nil {
			s.t.Fatal(err)
		}
	}
	s.client.ClearActions()
}

func (s *servingRuntime) writes() []string {
	var out []string
	for _, a := range s.client.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	return out
}

func servedSet(replicas int32, image string) workload.ServedSetSpec {
	return workload.ServedSetSpec{
		Name:     "a",
		Labels:   map[string]string{"track": "stable"},
		Selector: map[string]string{"track": "stable"},
		Replicas: replicas,
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"track": "stable"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "server", Image: image}}},
		},
	}
}

func TestEnsureServedSetDeployment(t *testing.T) {
	ctx := context.Background()
	owner := testOwner("a", "uid-a")
	r := newServingRuntime(t)

	change, err := r.EnsureServedSet(ctx, owner, servedSet(2, "img:1"))
	if err != nil || change != workload.SetCreated {
		t.Fatalf("EnsureServedSet = %q, %v; want created", change, err)
	}
	create := r.client.Actions()[0].(clienttesting.CreateActionImpl)
	if create.CreateOptions.FieldManager != "ml-controller" {
		t.Errorf("field manager = %q", create.CreateOptions.FieldManager)
	}
	d := create.Object.(*appsv1.Deployment)
	wantSelector := map[string]string{"track": "stable", "ml.example.io/trainingjob": "a"}
	if diff := cmp.Diff(wantSelector, d.Spec.Selector.MatchLabels); diff != "" {
		t.Errorf("selector (-want +got):\n%s", diff)
	}
	// The pods also carry the runtime's labels, so that the controllers'
	// pod informers see them.
	wantPodLabels := map[string]string{"track": "stable", "ml.example.io/trainingjob": "a", "app.kubernetes.io/managed-by": "ml-controller"}
	if diff := cmp.Diff(wantPodLabels, d.Spec.Template.Labels); diff != "" {
		t.Errorf("template labels (-want +got):\n%s", diff)
	}
	if *d.Spec.Replicas != 2 || d.Labels["app.kubernetes.io/managed-by"] != "ml-controller" || d.Annotations[SpecHashAnnotation] == "" ||
		!owner.Controls(metav1.GetControllerOfNoCopy(d)) {
		t.Errorf("deployment = %+v", d.ObjectMeta)
	}

	// The server defaults the stored template: the hash, not the
	// template, says it is up to date.
	stored, _ := r.client.AppsV1().Deployments("ns").Get(ctx, "a", metav1.GetOptions{})
	stored.Spec.Template.Spec.Containers[0].TerminationMessagePath = corev1.TerminationMessagePathDefault
	stored.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	if _, err := r.client.AppsV1().Deployments("ns").Update(ctx, stored, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.sync()
	if change, err := r.EnsureServedSet(ctx, owner, servedSet(2, "img:1")); err != nil || change != workload.SetUnchanged || len(r.writes()) != 0 {
		t.Errorf("EnsureServedSet of an up-to-date set = %q, %v, writes %v; want nothing", change, err, r.writes())
	}

	cases := map[string]workload.ServedSetSpec{
		"replicas": servedSet(3, "img:1"),
		"template": servedSet(2, "img:2"),
	}
	for name, spec := range cases {
		r.sync()
		change, err := r.EnsureServedSet(ctx, owner, spec)
		if err != nil || change != workload.SetUpdated {
			t.Fatalf("%s changed: EnsureServedSet = %q, %v; want updated", name, change, err)
		}
		got, _ := r.client.AppsV1().Deployments("ns").Get(ctx, "a", metav1.GetOptions{})
		if *got.Spec.Replicas != spec.Replicas || got.Spec.Template.Spec.Containers[0].Image != spec.Template.Spec.Containers[0].Image {
			t.Errorf("%s changed: deployment spec = %+v", name, got.Spec)
		}
	}

	r.sync()
	if _, err := r.EnsureServedSet(ctx, testOwner("a", "uid-new"), servedSet(1, "img:1")); !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("EnsureServedSet over another owner's deployment = %v, want ErrNotOwned", err)
	}
}

func TestEnsureServedSetStable(t *testing.T) {
	ctx := context.Background()
	owner := testOwner("a", "uid-a")
	r := newServingRuntime(t)
	spec := servedSet(1, "jupyter")
	spec.Stable, spec.ServiceName = true, "a"
	if change, err := r.EnsureServedSet(ctx, owner, spec); err != nil || change != workload.SetCreated {
		t.Fatalf("EnsureServedSet = %q, %v", change, err)
	}
	s := r.client.Actions()[0].(clienttesting.CreateActionImpl).Object.(*appsv1.StatefulSet)
	if s.Spec.ServiceName != "a" || *s.Spec.Replicas != 1 {
		t.Errorf("statefulset spec = %+v", s.Spec)
	}
	r.sync()
	spec.Replicas = 0
	if change, err := r.EnsureServedSet(ctx, owner, spec); err != nil || change != workload.SetUpdated {
		t.Fatalf("scale to 0: EnsureServedSet = %q, %v", change, err)
	}
	r.sync()
	sets, err := r.ListServedSets(owner)
	if err != nil || len(sets) != 1 || sets[0].Replicas != 0 {
		t.Fatalf("ListServedSets = %+v, %v", sets, err)
	}
	if err := r.DeleteServedSet(ctx, owner, "a", sets[0].UID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"delete statefulsets"}, r.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

func TestServedSetStatus(t *testing.T) {
	cases := []struct {
		name string
		obj  runtime.Object
		want workload.ServedSetStatus
	}{{
		name: "available deployment",
		obj: &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Generation: 2},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
			Status: appsv1.DeploymentStatus{
				ObservedGeneration: 2, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, UpdatedReplicas: 2,
				Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}},
			},
		},
		want: workload.ServedSetStatus{Name: "a", Replicas: 2, Observed: true, CurrentReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, UpdatedReplicas: 2, Available: true},
	}, {
		name: "rollout past its deadline",
		obj: &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Generation: 3},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)},
			Status: appsv1.DeploymentStatus{
				ObservedGeneration: 2,
				Conditions: []appsv1.DeploymentCondition{
					{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse},
					{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: "too slow"},
				},
			},
		},
		want: workload.ServedSetStatus{Name: "a", Replicas: 1, Failed: true, Reason: "ProgressDeadlineExceeded", Message: "too slow"},
	}, {
		name: "statefulset with its replica available",
		obj: &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Generation: 1},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)},
			Status:     appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1},
		},
		want: workload.ServedSetStatus{Name: "a", Replicas: 1, Observed: true, CurrentReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, Available: true},
	}, {
		name: "statefulset not yet observed",
		obj: &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Generation: 2},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)},
			Status:     appsv1.StatefulSetStatus{ObservedGeneration: 1},
		},
		want: workload.ServedSetStatus{Name: "a", Replicas: 1},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got workload.ServedSetStatus
			switch o := tc.obj.(type) {
			case *appsv1.Deployment:
				got = deploymentStatus(o)
			case *appsv1.StatefulSet:
				got = statefulSetStatus(o)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnsureVolume(t *testing.T) {
	ctx := context.Background()
	owner := testOwner("a", "uid-a")
	r := newServingRuntime(t)
	spec := workload.VolumeSpec{Name: "a-workspace", Size: resource.MustParse("1Gi"), StorageClassName: ptr.To("fast")}
	if created, err := r.EnsureVolume(ctx, owner, spec); err != nil || !created {
		t.Fatalf("EnsureVolume = %v, %v", created, err)
	}
	pvc := r.client.Actions()[0].(clienttesting.CreateActionImpl).Object.(*corev1.PersistentVolumeClaim)
	if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(spec.Size) != 0 || *pvc.Spec.StorageClassName != "fast" ||
		!owner.Controls(metav1.GetControllerOfNoCopy(pvc)) {
		t.Errorf("claim = %+v", pvc)
	}
	stored, _ := r.client.CoreV1().PersistentVolumeClaims("ns").Get(ctx, "a-workspace", metav1.GetOptions{})
	stored.Status.Phase = corev1.ClaimBound
	if _, err := r.client.CoreV1().PersistentVolumeClaims("ns").UpdateStatus(ctx, stored, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.sync()
	if created, err := r.EnsureVolume(ctx, owner, spec); err != nil || created || len(r.writes()) != 0 {
		t.Errorf("EnsureVolume of an existing claim = %v, %v, writes %v", created, err, r.writes())
	}
	vols, err := r.ListVolumes(owner)
	if err != nil || len(vols) != 1 || vols[0].Phase != workload.VolumeBound {
		t.Errorf("ListVolumes = %+v, %v", vols, err)
	}
	if _, err := r.EnsureVolume(ctx, testOwner("a", "uid-new"), spec); !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("EnsureVolume over another owner's claim = %v, want ErrNotOwned", err)
	}
}

// TestServingNotConfigured checks that a runtime without the informers of
// sets and volumes says so instead of panicking.
func TestServingNotConfigured(t *testing.T) {
	r, _, _ := newRuntime(t)
	if _, err := r.EnsureServedSet(context.Background(), testOwner("a", "u"), servedSet(1, "x")); !errors.Is(err, errNoServing) {
		t.Errorf("EnsureServedSet = %v, want errNoServing", err)
	}
	if _, err := r.ListVolumes(testOwner("a", "u")); !errors.Is(err, errNoServing) {
		t.Errorf("ListVolumes = %v, want errNoServing", err)
	}
}
