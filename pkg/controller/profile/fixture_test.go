package profile

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var (
	alice = rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}
	bob   = rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}
)

// profileWrapper builds a v1alpha1 Profile with the defaults the API
// server sets.
type profileWrapper struct{ p mlv1alpha1.Profile }

func makeProfile(name string) *profileWrapper {
	return &profileWrapper{p: mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Generation: 1, ResourceVersion: "1"},
		Spec: mlv1alpha1.ProfileSpec{
			Owner:            alice,
			PodSecurity:      mlv1alpha1.PodSecurityBaseline,
			NetworkIsolation: ptr.To(true),
			DeletionPolicy:   mlv1alpha1.ProfileDeletionRetain,
		},
	}}
}

func (w *profileWrapper) obj() *mlv1alpha1.Profile { return w.p.DeepCopy() }

func (w *profileWrapper) contributor(s rbacv1.Subject, role mlv1alpha1.ContributorRole) *profileWrapper {
	w.p.Spec.Contributors = append(w.p.Spec.Contributors, mlv1alpha1.Contributor{Subject: s, Role: role})
	return w
}

func (w *profileWrapper) gpus(n int64) *profileWrapper {
	w.p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
		"requests.nvidia.com/gpu": *resource.NewQuantity(n, resource.DecimalSI),
	}}
	return w
}

func (w *profileWrapper) defaultCPU(q string) *profileWrapper {
	w.p.Spec.LimitRange = &corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)},
	}}}
	return w
}

func (w *profileWrapper) policy(p mlv1alpha1.ProfileDeletionPolicy) *profileWrapper {
	w.p.Spec.DeletionPolicy = p
	return w
}

// fixture is the controller over fake clientsets. The informers are not
// started: observe fills their caches from the clientsets, as a watch
// would, before every sync.
type fixture struct {
	*controllertest.Fixture
	c *Controller
}

func newFixture(t *testing.T, profiles []*mlv1alpha1.Profile, kubeObjects ...*corev1.Namespace) *fixture {
	t.Helper()
	f := &fixture{Fixture: controllertest.NewFixture(t, profiles...)}
	for _, o := range kubeObjects {
		if err := f.Kube.Tracker().Add(o); err != nil {
			t.Fatal(err)
		}
	}
	core := f.KubeInformers.Core().V1()
	c, err := New(Config{
		Client:          f.ML,
		Kube:            f.Kube,
		Profiles:        f.MLInformers.Ml().V1alpha1().Profiles(),
		Namespaces:      core.Namespaces(),
		RoleBindings:    f.KubeInformers.Rbac().V1().RoleBindings(),
		ServiceAccounts: core.ServiceAccounts(),
		ResourceQuotas:  core.ResourceQuotas(),
		LimitRanges:     core.LimitRanges(),
		NetworkPolicies: f.KubeInformers.Networking().V1().NetworkPolicies(),
		Recorder:        f.Recorder,
		Clock:           testingclock.NewFakeClock(t0),
		FieldManager:    mlv1alpha1.ControllerName,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

// observe fills the caches from the clientsets. The kube caches hold only
// the objects labelled managed-by the controller, as the manager's
// informers do: a namespace made by someone else is not in them.
func (f *fixture) observe() {
	t, kube := f.T, f.KubeInformers
	t.Helper()
	controllertest.Observe(t, f.MLInformers.Ml().V1alpha1().Profiles().Informer(), f.ML.MlV1alpha1().Profiles().List)
	observeManaged(t, kube.Core().V1().Namespaces().Informer(), f.Kube.CoreV1().Namespaces().List)
	observeManaged(t, kube.Rbac().V1().RoleBindings().Informer(), f.Kube.RbacV1().RoleBindings("").List)
	observeManaged(t, kube.Core().V1().ServiceAccounts().Informer(), f.Kube.CoreV1().ServiceAccounts("").List)
	observeManaged(t, kube.Core().V1().ResourceQuotas().Informer(), f.Kube.CoreV1().ResourceQuotas("").List)
	observeManaged(t, kube.Core().V1().LimitRanges().Informer(), f.Kube.CoreV1().LimitRanges("").List)
	observeManaged(t, kube.Networking().V1().NetworkPolicies().Informer(), f.Kube.NetworkingV1().NetworkPolicies("").List)
}

func observeManaged[L runtime.Object](t *testing.T, informer cache.SharedIndexInformer, list func(context.Context, metav1.ListOptions) (L, error)) {
	t.Helper()
	selector := mlv1alpha1.ManagedByLabel + "=" + mlv1alpha1.ControllerName
	controllertest.Observe(t, informer, func(ctx context.Context, _ metav1.ListOptions) (L, error) {
		return list(ctx, metav1.ListOptions{LabelSelector: selector})
	})
}

// sync observes and syncs the profile name.
func (f *fixture) sync(name string) error {
	f.T.Helper()
	f.observe()
	return f.c.sync(f.Ctx, cache.ObjectName{Name: name})
}

func (f *fixture) mustSync(name string) {
	f.T.Helper()
	if err := f.sync(name); err != nil {
		f.T.Fatalf("sync %s: %v", name, err)
	}
}

func (f *fixture) profile(name string) *mlv1alpha1.Profile {
	f.T.Helper()
	p, err := f.ML.MlV1alpha1().Profiles().Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// update stores a change of the profile's spec.
func (f *fixture) update(name string, change func(*mlv1alpha1.Profile)) {
	f.T.Helper()
	p := f.profile(name)
	change(p)
	p.Generation++
	if _, err := f.ML.MlV1alpha1().Profiles().Update(f.Ctx, p, metav1.UpdateOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

// bindings returns "name role kind/subject" of the RoleBindings in ns.
func (f *fixture) bindings(ns string) []string {
	f.T.Helper()
	list, err := f.Kube.RbacV1().RoleBindings(ns).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatal(err)
	}
	var out []string
	for _, rb := range list.Items {
		out = append(out, rb.Name+" "+rb.RoleRef.Name+" "+rb.Subjects[0].Kind+"/"+rb.Subjects[0].Name)
	}
	slices.Sort(out)
	return out
}

func condition(p *mlv1alpha1.Profile, t string) metav1.Condition {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return metav1.Condition{}
}
