package scale

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// TestGetAndUpdateScale scales each kind with the generated clientset's
// GetScale and UpdateScale: the Scale mirrors the object, a scale changes
// spec.replicas and the generation, and a stale resourceVersion conflicts.
func TestGetAndUpdateScale(t *testing.T) {
	forEachScalable(t, func(t *testing.T, ctx context.Context, cs versioned.Interface, ns string, k scalable) {
		obj, err := k.create(ctx, cs, ns, "a")
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		scale, err := k.getScale(ctx, cs, ns, "a")
		if err != nil {
			t.Fatalf("GetScale: %v", err)
		}
		want := &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{
				Name: "a", Namespace: ns, UID: obj.GetUID(),
				ResourceVersion: obj.GetResourceVersion(), CreationTimestamp: obj.GetCreationTimestamp(),
			},
			Spec:   autoscalingv1.ScaleSpec{Replicas: k.from},
			Status: autoscalingv1.ScaleStatus{Selector: k.label + "=a"},
		}
		if diff := cmp.Diff(want, scale); diff != "" {
			t.Errorf("Scale of a new %s (-want +got):\n%s", k.kind, diff)
		}

		stale := scale.DeepCopy()
		scale.Spec.Replicas = k.to
		updated, err := k.update(ctx, cs, ns, scale, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("UpdateScale to %d: %v", k.to, err)
		}
		stored, replicas, err := k.get(ctx, cs, ns, "a")
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if updated.Spec.Replicas != k.to || replicas != k.to {
			t.Errorf("after UpdateScale to %d: Scale spec.replicas %d, object spec.replicas %d", k.to, updated.Spec.Replicas, replicas)
		}
		if stored.GetGeneration() != 2 {
			t.Errorf("generation after a scale = %d, want 2", stored.GetGeneration())
		}
		if updated.ResourceVersion != stored.GetResourceVersion() {
			t.Errorf("Scale resourceVersion %s, object's %s", updated.ResourceVersion, stored.GetResourceVersion())
		}

		// A Scale read before the last scale is refused, and changes nothing.
		stale.Spec.Replicas = k.from
		if _, err := k.update(ctx, cs, ns, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			t.Errorf("UpdateScale with a stale resourceVersion: got %v, want a 409 Conflict", err)
		}
		if _, replicas, _ := k.get(ctx, cs, ns, "a"); replicas != k.to {
			t.Errorf("spec.replicas after a refused scale = %d, want %d", replicas, k.to)
		}

		// Once the controller reports them, the Scale shows its counts and selector.
		if err := k.setStatus(ctx, cs, ns, "a", 1, "app=a,tier in (serving)"); err != nil {
			t.Fatalf("update status: %v", err)
		}
		scale, err = k.getScale(ctx, cs, ns, "a")
		if err != nil {
			t.Fatalf("GetScale: %v", err)
		}
		if diff := cmp.Diff(autoscalingv1.ScaleStatus{Replicas: 1, Selector: "app=a,tier in (serving)"}, scale.Status); diff != "" {
			t.Errorf("Scale status after a status update (-want +got):\n%s", diff)
		}

		missing := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "missing", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: k.to}}
		if _, err := k.update(ctx, cs, ns, missing, metav1.UpdateOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("UpdateScale of a missing object: got %v, want NotFound", err)
		}
		negative := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: -1}}
		_, err = k.update(ctx, cs, ns, negative, metav1.UpdateOptions{})
		checkInvalid(t, err, "spec.replicas", "must be greater than or equal to 0")
	})
}

func TestTrainingJobScaleBounds(t *testing.T) {
	ctx, cs, ns := setup(t)
	jobs := cs.MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, elasticJob("elastic", ns, 2), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := jobs.Create(ctx, mltesting.NewTrainingJob("fixed", ns).Replicas(2).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	scaleTo := func(name string, n int32) error {
		_, err := jobs.UpdateScale(ctx, name, &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec:       autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{})
		return err
	}
	const bounds = "must be between spec.elastic.minReplicas (1) and spec.elastic.maxReplicas (4)"
	tests := []struct {
		name     string
		job      string
		replicas int32
		wantErr  []string
	}{
		{name: "inside the bounds", job: "elastic", replicas: 4},
		{name: "down to minReplicas", job: "elastic", replicas: 1},
		{name: "above maxReplicas", job: "elastic", replicas: 5, wantErr: []string{"Invalid value: 5", bounds}},
		{name: "to zero", job: "elastic", replicas: 0, wantErr: []string{bounds}},
		{name: "not elastic", job: "fixed", replicas: 3, wantErr: []string{"immutable unless the job is elastic", "set spec.elastic"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := scaleTo(tc.job, tc.replicas)
			if tc.wantErr != nil {
				checkInvalid(t, err, "spec.replicas", tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatalf("scale %s to %d: %v", tc.job, tc.replicas, err)
			}
			job, err := jobs.Get(ctx, tc.job, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ptr.Deref(job.Spec.Replicas, -1); got != tc.replicas {
				t.Errorf("spec.replicas = %d, want %d", got, tc.replicas)
			}
		})
	}
}

func TestNotebookScaleStopsAndStarts(t *testing.T) {
	ctx, cs, ns := setup(t)
	notebooks := cs.MlV1alpha1().Notebooks(ns)
	if _, err := notebooks.Create(ctx, mltesting.NewNotebook("nb", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	scaleTo := func(n int32) error {
		_, err := notebooks.UpdateScale(ctx, "nb", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "nb", Namespace: ns},
			Spec:       autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{})
		return err
	}
	check := func(t *testing.T, replicas int32, stopped bool) {
		t.Helper()
		nb, err := notebooks.Get(ctx, "nb", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ptr.Deref(nb.Spec.Replicas, -1) != replicas || nb.Spec.Stopped != stopped {
			t.Errorf("spec.replicas %v, spec.stopped %t; want %d and %t", ptr.Deref(nb.Spec.Replicas, -1), nb.Spec.Stopped, replicas, stopped)
		}
		scale, err := notebooks.GetScale(ctx, "nb", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if scale.Spec.Replicas != replicas {
			t.Errorf("Scale spec.replicas = %d, want %d", scale.Spec.Replicas, replicas)
		}
	}
	if err := scaleTo(0); err != nil {
		t.Fatalf("scale to 0: %v", err)
	}
	check(t, 0, true)
	if err := scaleTo(1); err != nil {
		t.Fatalf("scale to 1: %v", err)
	}
	check(t, 1, false)
	checkInvalid(t, scaleTo(2), "spec.replicas", "Invalid value: 2", "must be 0 or 1")
	check(t, 1, false)

	// A notebook stopped through spec.stopped has a Scale of 0, and
	// scaling it to 1 starts it.
	nb, err := notebooks.Get(ctx, "nb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nb.Spec.Stopped = true
	if _, err := notebooks.Update(ctx, nb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("stop through spec.stopped: %v", err)
	}
	scale, err := notebooks.GetScale(ctx, "nb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if scale.Spec.Replicas != 0 {
		t.Errorf("Scale spec.replicas of a stopped notebook = %d, want 0", scale.Spec.Replicas)
	}
	if err := scaleTo(1); err != nil {
		t.Fatalf("scale a stopped notebook to 1: %v", err)
	}
	check(t, 1, false)
}

func TestModelScale(t *testing.T) {
	ctx, cs, ns := setup(t)
	models := cs.MlV1alpha1().Models(ns)
	if _, err := models.Create(ctx, mltesting.NewModel("m", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, n := range []int32{3, 0, 12} {
		scale, err := models.UpdateScale(ctx, "m", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: ns},
			Spec:       autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("scale to %d: %v", n, err)
		}
		m, err := models.Get(ctx, "m", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if scale.Spec.Replicas != n || ptr.Deref(m.Spec.Replicas, -1) != n {
			t.Errorf("scale to %d: Scale spec.replicas %d, model spec.replicas %v", n, scale.Spec.Replicas, ptr.Deref(m.Spec.Replicas, -1))
		}
	}
}

// TestScaleDryRun checks that a dry-run scale answers the new Scale and
// stores nothing.
func TestScaleDryRun(t *testing.T) {
	ctx, cs, ns := setup(t)
	models := cs.MlV1alpha1().Models(ns)
	created, err := models.Create(ctx, mltesting.NewModel("m", ns).Replicas(2).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	scale, err := models.UpdateScale(ctx, "m", &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: ns},
		Spec:       autoscalingv1.ScaleSpec{Replicas: 7},
	}, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatalf("dry-run scale: %v", err)
	}
	if scale.Spec.Replicas != 7 {
		t.Errorf("dry-run Scale spec.replicas = %d, want 7", scale.Spec.Replicas)
	}
	m, err := models.Get(ctx, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ResourceVersion != created.ResourceVersion || ptr.Deref(m.Spec.Replicas, -1) != 2 {
		t.Errorf("after a dry-run scale: resourceVersion %s -> %s, spec.replicas %v; want nothing changed",
			created.ResourceVersion, m.ResourceVersion, ptr.Deref(m.Spec.Replicas, -1))
	}
}

// checkInvalid fails the test unless err is a 422 naming field, with each
// of wantInMessage in that cause's message.
func checkInvalid(t *testing.T, err error, field string, wantInMessage ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want a 422 Invalid error on %s", err, field)
	}
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil {
		t.Fatalf("error %v has no details", err)
	}
	for _, cause := range status.Status().Details.Causes {
		if cause.Field != field {
			continue
		}
		matches := true
		for _, want := range wantInMessage {
			matches = matches && strings.Contains(cause.Message, want)
		}
		if matches {
			return
		}
	}
	t.Errorf("error %q: want a cause on %s saying %q", err, field, wantInMessage)
}
