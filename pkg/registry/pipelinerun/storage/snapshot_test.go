package storage

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func snapshotSpec() *ml.PipelineSpec {
	return mltesting.MakePipeline("train", "").
		Tasks(mltesting.MakeTask("prep").Obj(), mltesting.MakeTask("fit").DependsOn("prep").Obj()).
		Finally(mltesting.MakeTask("notify").Obj()).Spec()
}

func hashOf(t *testing.T, spec *ml.PipelineSpec) string {
	t.Helper()
	var v mlv1alpha1.PipelineSpec
	if err := scheme.Scheme.Convert(spec, &v, nil); err != nil {
		t.Fatal(err)
	}
	h, err := mlv1alpha1.PipelineSnapshotHash(&v)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// resolvedRun is a run as PipelineRunResolve admission leaves it.
func resolvedRun(name string) *ml.PipelineRun {
	r := mltesting.MakePipelineRun(name, registrytest.Namespace).PipelineRef("train").Obj()
	r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2}
	r.Status.PipelineSpec = snapshotSpec()
	return r
}

// TestSnapshotStoredApart: a created run's snapshot goes to a keyspace of
// its own, the run keeps the reference with the hash, the pipeline
// subresource serves the snapshot, no update changes it, and deleting the
// run deletes it.
func TestSnapshotStoredApart(t *testing.T) {
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator)
			ctx := registrytest.NewContext(registrytest.Namespace)
			obj, err := s.PipelineRun.Create(ctx, resolvedRun("r"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			created := obj.(*ml.PipelineRun)
			want := &ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2, Hash: hashOf(t, snapshotSpec()), Tasks: 3}
			obj, err = s.PipelineRun.Get(ctx, "r", &metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for what, r := range map[string]*ml.PipelineRun{"created": created, "read": obj.(*ml.PipelineRun)} {
				if r.Status.PipelineSpec != nil {
					t.Errorf("%s run carries status.pipelineSpec", what)
				}
				if diff := cmp.Diff(want, r.Status.Pipeline); diff != "" {
					t.Errorf("%s status.pipeline (-want +got):\n%s", what, diff)
				}
			}

			stored, err := s.Snapshots.Get(ctx, registrytest.Namespace, created.UID)
			if err != nil {
				t.Fatalf("the snapshot is not in storage: %v", err)
			}
			if diff := cmp.Diff(snapshotSpec(), &stored.Spec); diff != "" {
				t.Errorf("stored snapshot (-want +got):\n%s", diff)
			}
			served, err := s.Pipeline.Get(ctx, "r", &metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p := served.(*ml.Pipeline)
			if diff := cmp.Diff(snapshotSpec(), &p.Spec); diff != "" {
				t.Errorf("served snapshot (-want +got):\n%s", diff)
			}
			if p.Name != "r" || p.Annotations[mlv1alpha1.PipelineSnapshotHashAnnotation] != want.Hash || p.Annotations[mlv1alpha1.PipelineSnapshotSourceAnnotation] != "train" {
				t.Errorf("served metadata %+v", p.ObjectMeta)
			}

			// Lists and watches of runs never see the snapshots. The watch
			// cache answers "storage is (re)initializing" until it has
			// listed etcd once; clients retry.
			var list runtime.Object
			err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
				var err error
				list, err = s.PipelineRun.List(ctx, &metainternalversion.ListOptions{})
				return err == nil, nil
			})
			if err != nil {
				t.Fatalf("list runs: %v", err)
			}
			if n := len(list.(*ml.PipelineRunList).Items); n != 1 {
				t.Errorf("listed %d runs, want 1", n)
			}

			// A status write cannot replace the snapshot.
			forged := created.DeepCopy()
			forged.Status.Phase = ml.PipelineRunRunning
			forged.Status.Pipeline = &ml.PipelineSnapshotRef{Hash: "sha256:forged"}
			forged.Status.PipelineSpec = mltesting.MakePipeline("x", "").Tasks(mltesting.MakeTask("evil").Obj()).Spec()
			obj, _, err = s.Status.Update(ctx, "r", rest.DefaultUpdatedObjectInfo(forged), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r := obj.(*ml.PipelineRun); r.Status.Phase != ml.PipelineRunRunning || !cmp.Equal(want, r.Status.Pipeline) || r.Status.PipelineSpec != nil {
				t.Errorf("after a forged status write: phase %s, status.pipeline %+v, pipelineSpec %v", r.Status.Phase, r.Status.Pipeline, r.Status.PipelineSpec != nil)
			}
			if stored, err := s.Snapshots.Get(ctx, registrytest.Namespace, created.UID); err != nil || !cmp.Equal(snapshotSpec(), &stored.Spec) {
				t.Errorf("the stored snapshot changed (err %v)", err)
			}

			if _, _, err := s.PipelineRun.Delete(ctx, "r", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Snapshots.Get(ctx, registrytest.Namespace, created.UID); !storage.IsNotFound(err) {
				t.Errorf("after the run's deletion, reading its snapshot: %v, want not found", err)
			}
		})
	}
}

// TestSnapshotNotStoredOnFailedCreate: a run that cannot be stored
// (its name is taken) leaves no snapshot behind, and the existing run's
// snapshot is untouched.
func TestSnapshotNotStoredOnFailedCreate(t *testing.T) {
	s := newStorage(t, registrytest.Backends["etcd"])
	ctx := registrytest.NewContext(registrytest.Namespace)
	if _, err := s.PipelineRun.Create(ctx, resolvedRun("r"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	again := resolvedRun("r")
	again.Status.PipelineSpec.Tasks = again.Status.PipelineSpec.Tasks[:1]
	if _, err := s.PipelineRun.Create(ctx, again, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err == nil {
		t.Fatal("created a run whose name is taken")
	}
	list := &ml.PipelineList{}
	if err := s.Snapshots.storage.GetList(ctx, s.Snapshots.prefix, storage.ListOptions{Recursive: true, Predicate: storage.Everything}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || len(list.Items[0].Spec.Tasks) != 2 {
		t.Errorf("snapshots after a refused create: %d, want the first run's only", len(list.Items))
	}
}

// TestSnapshotMigration: a run an earlier version stored, with the
// snapshot in status.pipelineSpec, is served as it is (the subresource
// reads the old field), and its next write moves the snapshot out.
func TestSnapshotMigration(t *testing.T) {
	s := newStorage(t, registrytest.Backends["watch cache"])
	ctx := registrytest.NewContext(registrytest.Namespace)
	legacy := mltesting.MakePipelineRun("old", registrytest.Namespace).PipelineRef("train").Obj()
	legacy.UID, legacy.Generation = types.UID("old-uid"), 1
	legacy.Status.PipelineSpec = snapshotSpec()
	legacy.Status.Params = []ml.Param{}
	key, err := s.PipelineRun.Store.KeyFunc(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	// Straight into etcd, past the snapshot store, as the earlier version wrote it.
	raw := s.PipelineRun.Store.Storage.Storage.(*snapshotStorage).Interface
	if err := raw.Create(ctx, key, legacy, nil, 0); err != nil {
		t.Fatal(err)
	}
	obj, err := s.PipelineRun.Get(ctx, "old", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := obj.(*ml.PipelineRun); r.Status.PipelineSpec == nil {
		t.Fatal("the legacy run lost status.pipelineSpec on read")
	}
	served, err := s.Pipeline.Get(ctx, "old", &metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the pipeline subresource of a legacy run: %v", err)
	}
	if diff := cmp.Diff(snapshotSpec(), &served.(*ml.Pipeline).Spec); diff != "" {
		t.Errorf("served snapshot of the legacy run (-want +got):\n%s", diff)
	}

	// The controller's write: the status as it is.
	update := obj.(*ml.PipelineRun).DeepCopy()
	update.Status.PipelineSpec = nil
	obj, _, err = s.Status.Update(ctx, "old", rest.DefaultUpdatedObjectInfo(update), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &ml.PipelineSnapshotRef{Hash: hashOf(t, snapshotSpec()), Tasks: 3}
	for what, get := range map[string]func() runtime.Object{
		"written": func() runtime.Object { return obj },
		"read": func() runtime.Object {
			o, err := s.PipelineRun.Get(ctx, "old", &metav1.GetOptions{ResourceVersion: obj.(*ml.PipelineRun).ResourceVersion})
			if err != nil {
				t.Fatal(err)
			}
			return o
		},
	} {
		r := get().(*ml.PipelineRun)
		if r.Status.PipelineSpec != nil || !cmp.Equal(want, r.Status.Pipeline) {
			t.Errorf("%s migrated run: pipelineSpec %v, status.pipeline %+v, want %+v", what, r.Status.PipelineSpec != nil, r.Status.Pipeline, want)
		}
	}
	stored, err := s.Snapshots.Get(ctx, registrytest.Namespace, "old-uid")
	if err != nil {
		t.Fatalf("the migrated snapshot is not in storage: %v", err)
	}
	if diff := cmp.Diff(snapshotSpec(), &stored.Spec); diff != "" {
		t.Errorf("migrated snapshot (-want +got):\n%s", diff)
	}
}

// TestSnapshotDryRun: a dry-run create answers as a real one, with the
// reference and without the snapshot, and stores nothing.
func TestSnapshotDryRun(t *testing.T) {
	s := newStorage(t, registrytest.Backends["etcd"])
	ctx := registrytest.NewContext(registrytest.Namespace)
	obj, err := s.PipelineRun.Create(ctx, resolvedRun("dry"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	r := obj.(*ml.PipelineRun)
	want := &ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2, Hash: hashOf(t, snapshotSpec()), Tasks: 3}
	if r.Status.PipelineSpec != nil || !cmp.Equal(want, r.Status.Pipeline) {
		t.Errorf("dry-run create: pipelineSpec %v, status.pipeline %+v, want %+v", r.Status.PipelineSpec != nil, r.Status.Pipeline, want)
	}
	list := &ml.PipelineList{}
	if err := s.Snapshots.storage.GetList(ctx, s.Snapshots.prefix, storage.ListOptions{Recursive: true, Predicate: storage.Everything}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Errorf("a dry-run create stored %d snapshots", len(list.Items))
	}
}
