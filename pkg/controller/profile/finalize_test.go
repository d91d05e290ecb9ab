package profile

import (
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

// deleteProfile marks the profile deleted, as the API server does while a
// finalizer holds it.
func (f *fixture) deleteProfile(name string) {
	f.T.Helper()
	p := f.profile(name)
	now := metav1.NewTime(t0)
	p.DeletionTimestamp = &now
	if _, err := f.ML.MlV1alpha1().Profiles().Update(f.Ctx, p, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

func TestDeletionRetainKeepsNamespace(t *testing.T) {
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").gpus(1).obj()})
	f.mustSync("team-a")
	f.deleteProfile("team-a")
	f.Kube.ClearActions()
	f.mustSync("team-a")

	for _, w := range controllertest.Writes(f.Kube.Actions()) {
		if w == "delete namespaces team-a" {
			t.Errorf("Retain deleted the namespace")
		}
	}
	ns, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the namespace is gone with deletionPolicy Retain: %v", err)
	}
	if _, ok := ns.Labels[ProfileLabel]; ok {
		t.Errorf("the retained namespace still names the profile: %v", ns.Labels)
	}
	if ns.Labels[PodSecurityEnforceLabel] != "baseline" {
		t.Errorf("the retained namespace lost its Pod Security level: %v", ns.Labels)
	}
	q, err := f.Kube.CoreV1().ResourceQuotas("team-a").Get(f.Ctx, QuotaName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the quota of the retained namespace: %v", err)
	}
	if len(q.OwnerReferences) != 0 || q.Labels[ProfileLabel] != "" {
		t.Errorf("the retained quota still belongs to the profile (the garbage collector would delete it): owners %v labels %v", q.OwnerReferences, q.Labels)
	}
	if p := f.profile("team-a"); slices.Contains(p.Finalizers, Finalizer) {
		t.Errorf("finalizer left: %v", p.Finalizers)
	}
}

func TestDeletionDeleteRemovesNamespace(t *testing.T) {
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").policy(mlv1alpha1.ProfileDeletionDelete).obj()})
	f.mustSync("team-a")
	f.deleteProfile("team-a")
	f.mustSync("team-a")

	if _, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace with deletionPolicy Delete: err=%v, want deleted", err)
	}
	p := f.profile("team-a")
	if slices.Contains(p.Finalizers, Finalizer) {
		t.Errorf("finalizer left: %v", p.Finalizers)
	}
	if p.Status.Phase != mlv1alpha1.ProfileTerminating {
		t.Errorf("phase %q, want Terminating", p.Status.Phase)
	}
}

func TestDeletionLeavesForeignNamespace(t *testing.T) {
	f := newFixture(t, []*mlv1alpha1.Profile{makeProfile("team-a").policy(mlv1alpha1.ProfileDeletionDelete).obj()})
	f.mustSync("team-a")
	// The namespace was someone else's all along: made before the
	// profile, never labelled.
	ns, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels = nil
	if _, err := f.Kube.CoreV1().Namespaces().Update(f.Ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.deleteProfile("team-a")
	f.mustSync("team-a")
	if _, err := f.Kube.CoreV1().Namespaces().Get(f.Ctx, "team-a", metav1.GetOptions{}); err != nil {
		t.Errorf("a namespace that is not the profile's was deleted: %v", err)
	}
}
