package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestCRUD creates, reads, updates (spec and status), patches, lists and
// deletes an object of every kind through kube-apiserver with the
// generated clientset.
func TestCRUD(t *testing.T) {
	ns := cluster.Namespace(t)
	cs := framework.ML(t, cluster.Config())
	for _, kind := range mltesting.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			ctx := testContext(t, shortTimeout)
			client := kind.Client(cs, ns)
			name := "crud"

			created, err := client.Create(ctx, kind.New(name, ns), metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if created.GetUID() == "" || created.GetResourceVersion() == "" || created.GetGeneration() != 1 {
				t.Errorf("create: uid %q resourceVersion %q generation %d, want a uid, a resourceVersion and generation 1",
					created.GetUID(), created.GetResourceVersion(), created.GetGeneration())
			}
			if _, err := client.Create(ctx, kind.New(name, ns), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
				t.Errorf("second create of %s: want AlreadyExists, got %v", name, err)
			}

			got, err := client.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got.GetUID() != created.GetUID() {
				t.Errorf("get: uid %s, want %s", got.GetUID(), created.GetUID())
			}

			// Spec update: generation moves.
			var updated mltesting.Object
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				cur, err := client.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				updated, err = client.Update(ctx, mltesting.WithField(t, cur, kind.Values[1], kind.Field...), metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatalf("update %v: %v", kind.Field, err)
			}
			if v := mltesting.FieldValue(t, updated, kind.Field...); !cmp.Equal(v, kind.Values[1]) {
				t.Errorf("update: %v = %v, want %v", kind.Field, v, kind.Values[1])
			}
			if updated.GetGeneration() != 2 {
				t.Errorf("update of the spec: generation %d, want 2", updated.GetGeneration())
			}

			// Status update through the status subresource: generation stays.
			var withStatus mltesting.Object
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				cur, err := client.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				withStatus, err = client.UpdateStatus(ctx, mltesting.WithPhase(t, cur, kind.Phases[1]), metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatalf("update status: %v", err)
			}
			if p := mltesting.Phase(t, withStatus); p != kind.Phases[1] {
				t.Errorf("update status: phase %q, want %q", p, kind.Phases[1])
			}
			if withStatus.GetGeneration() != 2 {
				t.Errorf("update of the status: generation %d, want it to stay 2", withStatus.GetGeneration())
			}

			patched, err := client.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"labels":{"e2e":"patched"}}}`), metav1.PatchOptions{})
			if err != nil {
				t.Fatalf("merge patch: %v", err)
			}
			if patched.GetLabels()["e2e"] != "patched" {
				t.Errorf("merge patch: labels %v, want e2e=patched", patched.GetLabels())
			}

			list, err := client.List(ctx, metav1.ListOptions{LabelSelector: "e2e=patched"})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if diff := cmp.Diff([]string{name}, list.Names()); diff != "" {
				t.Errorf("list -l e2e=patched (-want +got):\n%s", diff)
			}

			if err := client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := client.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get after delete: want NotFound, got %v", err)
			}
			if err := client.Delete(ctx, name, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("second delete: want NotFound, got %v", err)
			}
		})
	}
}

// TestWatch watches trainingjobs through kube-apiserver: the events of a
// create, an update and a delete arrive in order, and a WatchList request
// (sendInitialEvents) gets the existing objects and then the
// initial-events-end bookmark.
func TestWatch(t *testing.T) {
	ns := cluster.Namespace(t)
	jobs := framework.ML(t, cluster.Config()).MlV1alpha1().TrainingJobs(ns)

	t.Run("changes", func(t *testing.T) {
		ctx := testContext(t, shortTimeout)
		list, err := jobs.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		w, err := jobs.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, AllowWatchBookmarks: true})
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		defer w.Stop()

		created, err := jobs.Create(ctx, mltesting.NewTrainingJob("watched", ns).BackoffLimit(1).Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		next := eventsOf(t, w, "watched")
		if e := next("create"); e.Type != watch.Added || e.job.UID != created.UID {
			t.Fatalf("after create: got %s of uid %s, want ADDED of %s", e.Type, e.job.UID, created.UID)
		}
		err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := jobs.Get(ctx, "watched", metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Spec.BackoffLimit = ptr.To[int32](2)
			_, err = jobs.Update(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		// Other writers (a controller's status updates) may add MODIFIED
		// events; the one with the new backoffLimit must come.
		for {
			e := next("update")
			if e.Type != watch.Modified {
				t.Fatalf("after update: got %s, want MODIFIED", e.Type)
			}
			if ptr.Deref(e.job.Spec.BackoffLimit, 0) == 2 {
				break
			}
		}
		if err := jobs.Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete: %v", err)
		}
		for {
			e := next("delete")
			if e.Type == watch.Deleted {
				break
			}
			if e.Type != watch.Modified {
				t.Fatalf("after delete: got %s, want DELETED", e.Type)
			}
		}
	})

	t.Run("WatchList", func(t *testing.T) {
		ctx := testContext(t, shortTimeout)
		want := []string{"initial-a", "initial-b", "initial-c"}
		for _, name := range want {
			if _, err := jobs.Create(ctx, mltesting.NewTrainingJob(name, ns).Label("e2e", "watchlist").Obj(), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
		w, err := jobs.Watch(ctx, metav1.ListOptions{
			LabelSelector:        "e2e=watchlist",
			SendInitialEvents:    ptr.To(true),
			ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
			AllowWatchBookmarks:  true,
		})
		if err != nil {
			t.Fatalf("watch with sendInitialEvents: %v", err)
		}
		defer w.Stop()
		var got []string
		for {
			select {
			case e, ok := <-w.ResultChan():
				if !ok {
					t.Fatalf("watch closed after %v, before the initial-events-end bookmark", got)
				}
				job, isJob := e.Object.(*mlv1alpha1.TrainingJob)
				if !isJob {
					t.Fatalf("watch event %s of %T: %+v", e.Type, e.Object, e.Object)
				}
				switch e.Type {
				case watch.Added:
					got = append(got, job.Name)
					continue
				case watch.Bookmark:
					if job.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
						continue
					}
				default:
					t.Fatalf("initial events: got %s of %s, want ADDED events and a bookmark", e.Type, job.Name)
				}
			case <-ctx.Done():
				t.Fatalf("no initial-events-end bookmark after %v", got)
			}
			break
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("initial events before the bookmark (-want +got):\n%s", diff)
		}
	})
}

// jobEvent is a watch event of a TrainingJob.
type jobEvent struct {
	Type watch.EventType
	job  *mlv1alpha1.TrainingJob
}

// eventsOf returns a function that waits for the next event of the job
// called name on w, skipping bookmarks and other objects.
func eventsOf(t *testing.T, w watch.Interface, name string) func(step string) jobEvent {
	return func(step string) jobEvent {
		t.Helper()
		timeout := time.After(shortTimeout)
		for {
			select {
			case e, ok := <-w.ResultChan():
				if !ok {
					t.Fatalf("%s: watch closed", step)
				}
				if e.Type == watch.Error {
					t.Fatalf("%s: watch error: %v", step, apierrors.FromObject(e.Object))
				}
				job, isJob := e.Object.(*mlv1alpha1.TrainingJob)
				if !isJob {
					t.Fatalf("%s: event %s of %T", step, e.Type, e.Object)
				}
				if e.Type == watch.Bookmark || job.Name != name {
					continue
				}
				return jobEvent{e.Type, job}
			case <-timeout:
				t.Fatalf("%s: no watch event within %v", step, shortTimeout)
			}
		}
	}
}

// TestInformer runs a generated informer through kube-apiserver: it syncs
// what exists, and its lister follows creates, updates and deletes.
func TestInformer(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	cs := framework.ML(t, cluster.Config())
	jobs := cs.MlV1alpha1().TrainingJobs(ns)
	for i := range 3 {
		if _, err := jobs.Create(ctx, mltesting.NewTrainingJob(fmt.Sprintf("before-%d", i), ns).Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
	}

	factory := mlinformers.NewSharedInformerFactoryWithOptions(cs, 0, mlinformers.WithNamespace(ns))
	informer := factory.Ml().V1alpha1().TrainingJobs()
	lister := informer.Lister()
	_ = informer.Informer()
	stop := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		factory.Shutdown()
	})
	factory.Start(stop)
	syncCtx, cancel := context.WithTimeout(ctx, shortTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), informer.Informer().HasSynced) {
		t.Fatalf("the TrainingJob informer did not sync within %v", shortTimeout)
	}
	listed := func() []string {
		objs, err := lister.TrainingJobs(ns).List(labels.Everything())
		if err != nil {
			t.Fatalf("lister: %v", err)
		}
		var names []string
		for _, o := range objs {
			names = append(names, o.Name)
		}
		slices.Sort(names)
		return names
	}
	if diff := cmp.Diff([]string{"before-0", "before-1", "before-2"}, listed()); diff != "" {
		t.Errorf("lister after sync (-want +got):\n%s", diff)
	}

	if _, err := jobs.Create(ctx, mltesting.NewTrainingJob("after", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := jobs.Get(ctx, "before-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Spec.BackoffLimit = ptr.To[int32](9)
		_, err = jobs.Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := jobs.Delete(ctx, "before-2", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}

	want := []string{"after", "before-0", "before-1"}
	eventually(t, shortTimeout, "the lister follows the changes", func() (bool, string) {
		got := listed()
		if !slices.Equal(want, got) {
			return false, fmt.Sprintf("lister lists %v, want %v", got, want)
		}
		job, err := lister.TrainingJobs(ns).Get("before-1")
		if err != nil {
			return false, fmt.Sprintf("lister get before-1: %v", err)
		}
		if ptr.Deref(job.Spec.BackoffLimit, 0) != 9 {
			return false, fmt.Sprintf("lister: before-1 has backoffLimit %d, want 9", ptr.Deref(job.Spec.BackoffLimit, 0))
		}
		return true, ""
	})
}

// eventually polls cond until it holds, and fails the test with its last
// explanation when timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, timeout, why)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		case <-time.After(pollInterval):
		}
	}
}
