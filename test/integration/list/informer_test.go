package list

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// eventTimeout bounds the wait for one informer event; events normally
// arrive in milliseconds.
const eventTimeout = 30 * time.Second

type informerEvent struct {
	kind     string // add, update or delete
	job      *mlv1alpha1.TrainingJob
	previous *mlv1alpha1.TrainingJob
}

func TestInformerSeesTrainingJobChanges(t *testing.T) {
	ctx, cs, ns := setup(t)
	jobs := cs.MlV1alpha1().TrainingJobs(ns)

	// One job exists before the informer starts: it arrives as an add
	// during the initial list.
	if _, err := jobs.Create(ctx, mltesting.NewTrainingJob("before", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}

	events := make(chan informerEvent, 100)
	factory := mlinformers.NewSharedInformerFactoryWithOptions(cs, 0, mlinformers.WithNamespace(ns))
	informer := factory.Ml().V1alpha1().TrainingJobs()
	if _, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { events <- informerEvent{kind: "add", job: obj.(*mlv1alpha1.TrainingJob)} },
		UpdateFunc: func(old, obj any) {
			events <- informerEvent{kind: "update", job: obj.(*mlv1alpha1.TrainingJob), previous: old.(*mlv1alpha1.TrainingJob)}
		},
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			events <- informerEvent{kind: "delete", job: obj.(*mlv1alpha1.TrainingJob)}
		},
	}); err != nil {
		t.Fatalf("add event handler: %v", err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		factory.Shutdown()
	})
	factory.Start(stop)
	for typ, synced := range factory.WaitForCacheSync(stop) {
		if !synced {
			t.Fatalf("informer of %v did not sync", typ)
		}
	}

	next := func(step string) informerEvent {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(eventTimeout):
			t.Fatalf("%s: no informer event within %v", step, eventTimeout)
			return informerEvent{}
		}
	}

	if e := next("initial list"); e.kind != "add" || e.job.Name != "before" {
		t.Errorf("initial list: got %s of %s, want add of before", e.kind, e.job.Name)
	}

	created, err := jobs.Create(ctx, mltesting.NewTrainingJob("watched", ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if e := next("create"); e.kind != "add" || e.job.Name != "watched" || e.job.ResourceVersion != created.ResourceVersion {
		t.Errorf("create: got %s of %s at %s, want add of watched at %s", e.kind, e.job.Name, e.job.ResourceVersion, created.ResourceVersion)
	}

	created.Spec.BackoffLimit = ptr.To[int32](7)
	updated, err := jobs.Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	e := next("update")
	if e.kind != "update" || e.job.Name != "watched" || e.job.ResourceVersion != updated.ResourceVersion {
		t.Fatalf("update: got %s of %s at %s, want update of watched at %s", e.kind, e.job.Name, e.job.ResourceVersion, updated.ResourceVersion)
	}
	if got := ptr.Deref(e.job.Spec.BackoffLimit, 0); got != 7 {
		t.Errorf("update: the informer's object has backoffLimit %d, want 7", got)
	}
	if e.previous.ResourceVersion != created.ResourceVersion {
		t.Errorf("update: the previous object is at %s, want %s", e.previous.ResourceVersion, created.ResourceVersion)
	}
	cached, err := informer.Lister().TrainingJobs(ns).Get("watched")
	if err != nil || cached.ResourceVersion != updated.ResourceVersion {
		t.Errorf("lister after update: got %v, %v; want resourceVersion %s", cached, err, updated.ResourceVersion)
	}

	if err := jobs.Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if e := next("delete"); e.kind != "delete" || e.job.Name != "watched" {
		t.Errorf("delete: got %s of %s, want delete of watched", e.kind, e.job.Name)
	}
	if _, err := informer.Lister().TrainingJobs(ns).Get("watched"); err == nil {
		t.Errorf("lister after delete still has watched")
	}

	select {
	case e := <-events:
		t.Errorf("unexpected %s of %s", e.kind, e.job.Name)
	default:
	}
}
