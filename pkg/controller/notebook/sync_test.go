package notebook

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func resourceMust(s string) resource.Quantity { return resource.MustParse(s) }

// TestStopStart runs a notebook, stops it with spec.stopped and with
// spec.replicas, and starts it again on the same workspace claim.
func TestStopStart(t *testing.T) {
	f := newFixture(t, makeNotebook("a"))
	f.mustSync()
	want := []string{"create persistentvolumeclaims a-workspace", "create services a", "create statefulsets a", "update notebooks/status a"}
	if diff := cmp.Diff(want, f.writes()); diff != "" {
		t.Errorf("first sync writes (-want +got):\n%s", diff)
	}
	sts := f.statefulSet()
	if *sts.Spec.Replicas != 1 || sts.Spec.ServiceName != "a" {
		t.Errorf("statefulset spec = %+v", sts.Spec)
	}
	vol := sts.Spec.Template.Spec.Volumes[0]
	if vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != "a-workspace" {
		t.Errorf("pod volumes = %+v", sts.Spec.Template.Spec.Volumes)
	}
	if m := sts.Spec.Template.Spec.Containers[0].VolumeMounts; len(m) != 1 || m[0].MountPath != "/home/jovyan" {
		t.Errorf("mounts = %+v", m)
	}
	if q := f.claim().Spec.Resources.Requests.Storage(); q.String() != "1Gi" {
		t.Errorf("claim size = %v", q)
	}
	nb := f.notebook()
	if nb.Status.Phase != mlv1alpha1.NotebookPending || readyReason(nb) != ReasonStarting {
		// The claim was just created: the cache has not seen it.
		t.Logf("status after creating = %s/%s", nb.Status.Phase, readyReason(nb))
	}
	f.mustSync()
	if nb := f.notebook(); nb.Status.Phase != mlv1alpha1.NotebookPending || readyReason(nb) != ReasonWaitingForVolume {
		t.Errorf("status while the claim is pending = %s/%s", nb.Status.Phase, readyReason(nb))
	}
	claimUID := f.claim().UID

	f.bind()
	f.settle()
	f.events()
	f.mustSync()
	nb = f.notebook()
	if nb.Status.Phase != mlv1alpha1.NotebookRunning || !meta.IsStatusConditionTrue(nb.Status.Conditions, ConditionReady) ||
		nb.Status.URL != "http://a.ns.svc:8888" || nb.Status.Selector != "ml.example.io/notebook=a" || nb.Status.ReadyReplicas != 1 {
		t.Errorf("status once ready = %+v", nb.Status)
	}
	if diff := cmp.Diff([]string{ReasonRunning}, f.eventReasons()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	f.mustSync()
	if w := f.writes(); len(w) != 0 {
		t.Errorf("a sync with nothing new wrote %v", w)
	}

	stops := map[string]func(*mlv1alpha1.Notebook){
		"stopped":    func(nb *mlv1alpha1.Notebook) { nb.Spec.Stopped = true },
		"replicas 0": func(nb *mlv1alpha1.Notebook) { nb.Spec.Replicas = ptr.To[int32](0) },
	}
	starts := map[string]func(*mlv1alpha1.Notebook){
		"stopped":    func(nb *mlv1alpha1.Notebook) { nb.Spec.Stopped = false },
		"replicas 0": func(nb *mlv1alpha1.Notebook) { nb.Spec.Replicas = ptr.To[int32](1) },
	}
	for _, how := range []string{"stopped", "replicas 0"} {
		f.update(stops[how])
		f.mustSync()
		if got := *f.statefulSet().Spec.Replicas; got != 0 {
			t.Errorf("%s: statefulset replicas = %d, want 0", how, got)
		}
		for _, w := range f.writes() {
			if strings.HasPrefix(w, "delete") {
				t.Errorf("%s: stopping deleted something: %s", how, w)
			}
		}
		if nb := f.notebook(); nb.Status.Phase != mlv1alpha1.NotebookStopped || readyReason(nb) != ReasonStopped {
			t.Errorf("%s: status = %s/%s", how, nb.Status.Phase, readyReason(nb))
		}
		if got := f.eventReasons(); !slices.Contains(got, EventStopped) {
			t.Errorf("%s: events %v, want %s", how, got, EventStopped)
		}
		f.settle()
		f.mustSync()

		f.update(starts[how])
		f.mustSync()
		if got := *f.statefulSet().Spec.Replicas; got != 1 {
			t.Errorf("%s: statefulset replicas after starting = %d, want 1", how, got)
		}
		if got := f.claim().UID; got != claimUID {
			t.Errorf("%s: the workspace claim changed: %s, was %s", how, got, claimUID)
		}
		if got := f.eventReasons(); !slices.Contains(got, EventStarted) {
			t.Errorf("%s: events %v, want %s", how, got, EventStarted)
		}
		f.settle()
		f.mustSync()
		if nb := f.notebook(); nb.Status.Phase != mlv1alpha1.NotebookRunning {
			t.Errorf("%s: phase after starting = %s", how, nb.Status.Phase)
		}
	}
}

// running returns a fixture whose notebook (with idleTimeout 1h) became
// ready at t0.
func running(t *testing.T) *fixture {
	nb := makeNotebook("a")
	nb.Spec.IdleTimeout = "1h"
	f := newFixture(t, nb)
	f.mustSync()
	f.bind()
	f.settle()
	f.mustSync()
	if !meta.IsStatusConditionTrue(f.notebook().Status.Conditions, ConditionReady) {
		t.Fatalf("the notebook is not ready: %+v", f.notebook().Status)
	}
	f.events()
	return f
}

func TestCullIdle(t *testing.T) {
	f := running(t)
	// Ready since t0, no kernels ever.
	f.clock.Step(30 * time.Minute)
	f.mustSync()
	if f.notebook().Spec.Stopped {
		t.Fatalf("culled after 30m of a 1h idleTimeout")
	}
	if f.probe.calls == 0 {
		t.Errorf("the running notebook was not probed")
	}

	f.clock.Step(30 * time.Minute)
	f.mustSync()
	nb := f.notebook()
	if !nb.Spec.Stopped {
		t.Fatalf("not culled after 1h idle")
	}
	events := f.events()
	if len(events) != 1 || !strings.Contains(events[0], EventCulled) || !strings.Contains(events[0], "1h0m0s idle") ||
		!strings.Contains(events[0], "no kernel activity since it started") {
		t.Errorf("events = %q", events)
	}
	// The stop is an ordinary one: the next sync scales to 0 and keeps
	// the claim.
	f.mustSync()
	if got := *f.statefulSet().Spec.Replicas; got != 0 || f.notebook().Status.Phase != mlv1alpha1.NotebookStopped {
		t.Errorf("after culling: replicas %d, phase %s", got, f.notebook().Status.Phase)
	}
	calls := f.probe.calls
	f.clock.Step(time.Hour)
	f.mustSync()
	if f.probe.calls != calls {
		t.Errorf("a stopped notebook was probed")
	}
}

func TestCullAfterActivity(t *testing.T) {
	f := running(t)
	f.probe.last = t0.Add(50 * time.Minute)
	f.clock.Step(61 * time.Minute)
	f.mustSync()
	nb := f.notebook()
	if nb.Spec.Stopped {
		t.Fatalf("culled 11 minutes after activity")
	}
	if got := nb.Status.LastActivityTime; got == nil || !got.Time.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("lastActivityTime = %v, want t0+50m", got)
	}
	// The kernel stays idle: culled an hour after its last activity,
	// which status keeps even when the probe reports older activity.
	f.probe.last = t0.Add(10 * time.Minute)
	f.clock.Step(49 * time.Minute)
	f.mustSync()
	if !f.notebook().Spec.Stopped {
		t.Fatalf("not culled an hour after the last activity")
	}
	if e := f.events(); len(e) != 1 || !strings.Contains(e[0], "last kernel activity at 2026-01-02T03:54:05Z") {
		t.Errorf("events = %q", e)
	}
}

func TestCullProbeFails(t *testing.T) {
	f := running(t)
	f.probe.err = errors.New("connection refused")
	f.clock.Step(2 * time.Hour)
	f.mustSync()
	if f.notebook().Spec.Stopped {
		t.Errorf("culled while the probe fails")
	}
}

// TestRestartAfterCull checks that a notebook started again after a cull
// is idle from its new start, not from its old activity.
func TestRestartAfterCull(t *testing.T) {
	f := running(t)
	f.clock.Step(time.Hour)
	f.mustSync()
	if !f.notebook().Spec.Stopped {
		t.Fatalf("not culled")
	}
	f.mustSync()
	f.settle()
	f.mustSync()
	f.clock.Step(10 * time.Minute)
	f.update(func(nb *mlv1alpha1.Notebook) { nb.Spec.Stopped = false })
	f.mustSync()
	f.settle()
	f.mustSync()
	if !meta.IsStatusConditionTrue(f.notebook().Status.Conditions, ConditionReady) {
		t.Fatalf("not running again: %+v", f.notebook().Status)
	}
	f.clock.Step(59 * time.Minute)
	f.mustSync()
	if f.notebook().Spec.Stopped {
		t.Errorf("culled 59 minutes after starting again")
	}
	f.clock.Step(time.Minute)
	f.mustSync()
	if !f.notebook().Spec.Stopped {
		t.Errorf("not culled an hour after starting again")
	}
}

func readyReason(nb *mlv1alpha1.Notebook) string {
	if c := meta.FindStatusCondition(nb.Status.Conditions, ConditionReady); c != nil {
		return c.Reason
	}
	return ""
}
