package mlquota

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"

	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// TestReconcilerRun: the Reconciler, run on its own as the controller
// manager runs it, corrects a record that drifted from the objects.
func TestReconcilerRun(t *testing.T) {
	f := newFixture(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "100")},
		withUID(gpuJob("running", 2, "1").Obj()))
	if err := f.create(t, withUID(gpuJob("other", 1, "1").Obj()), false); err != nil {
		t.Fatal(err)
	}
	rec, err := f.p.readRecord(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	rec.used = charge{"requests.nvidia.com/gpu": apiresource.MustParse("50")}
	rec.pending = map[string]entry{}
	if err := f.p.writeRecord(t.Context(), rec); err != nil {
		t.Fatal(err)
	}

	kubeInformers := informers.NewSharedInformerFactory(f.p.client, 0)
	mlInformers := externalversions.NewSharedInformerFactory(f.ml, 0)
	r, err := NewReconciler(ReconcilerConfig{
		Client:          f.p.client,
		SystemNamespace: systemNS,
		Quotas:          kubeInformers.Core().V1().ResourceQuotas(),
		Objects:         mlInformers,
		Interval:        50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	defer func() { cancel(); <-done; kubeInformers.Shutdown(); mlInformers.Shutdown() }()
	kubeInformers.Start(ctx.Done())
	mlInformers.Start(ctx.Done())
	go func() { defer close(done); r.Run(ctx, 1) }()

	// Only "running" exists: 2 GPUs ("other" was admitted, never created,
	// and its charge is not pending any more).
	var used string
	err = wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		used, _ = f.used(t, "requests.nvidia.com/gpu")
		return used == "2", nil
	})
	if err != nil {
		t.Errorf("the reconciler left the record at %s used, want 2", used)
	}
}

// TestNewReconcilerNeedsEverything: a reconciler without its client,
// informers or namespace is refused.
func TestNewReconcilerNeedsEverything(t *testing.T) {
	if _, err := NewReconciler(ReconcilerConfig{}); err == nil {
		t.Error("NewReconciler accepted an empty configuration")
	}
}
