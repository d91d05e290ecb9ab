package mlquota

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	scalescheme "k8s.io/client-go/scale/scheme"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

const (
	ns       = admissiontest.Namespace
	systemNS = "ml-system"
	gpu      = corev1.ResourceName("nvidia.com/gpu")
)

var recordOfNS = RecordPrefix + ns

func quota(name string, hard ...string) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{}}}
	for i := 0; i < len(hard); i += 2 {
		q.Spec.Hard[corev1.ResourceName(hard[i])] = apiresource.MustParse(hard[i+1])
	}
	return q
}

func gpuJob(name string, replicas int32, gpus string) *mltesting.TrainingJobWrapper {
	w := mltesting.MakeTrainingJob(name, ns).Replicas(replicas).Limit(gpu, gpus)
	return w
}

func withUID(j *ml.TrainingJob) *ml.TrainingJob {
	j.UID = types.UID("uid-" + j.Name)
	j.CreationTimestamp = metav1.NewTime(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	return j
}

type fixture struct {
	p   *Plugin
	cms *configMaps
	now time.Time
	// ml serves the objects the informers list.
	ml *fake.Clientset
}

// newFixture returns the plugin over quotas and, in the informers, jobs.
func newFixture(t *testing.T, synced bool, quotas []*corev1.ResourceQuota, jobs ...*ml.TrainingJob) *fixture {
	t.Helper()
	objs := make([]runtime.Object, len(jobs))
	for i, j := range jobs {
		objs[i] = j
	}
	return newFixtureOf(t, synced, quotas, objs...)
}

// newFixtureOf returns the plugin over quotas and, in the informers, objs
// (internal objects of any kind).
func newFixtureOf(t *testing.T, synced bool, quotas []*corev1.ResourceQuota, objs ...runtime.Object) *fixture {
	t.Helper()
	var kubeObjs, mlObjs []runtime.Object
	for _, q := range quotas {
		kubeObjs = append(kubeObjs, q)
	}
	for _, o := range objs {
		mlObjs = append(mlObjs, toV1alpha1(t, o))
	}
	kube := kubefake.NewClientset(kubeObjs...)
	f := &fixture{p: New(), cms: installConfigMaps(kube), now: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), ml: fake.NewClientset(mlObjs...)}
	f.p.Gate().Wait = 0
	f.p.now = func() time.Time { return f.now }
	kubeInformers := informers.NewSharedInformerFactory(kube, 0)
	mlInformers := externalversions.NewSharedInformerFactory(f.ml, 0)
	f.p.SetExternalKubeInformerFactory(kubeInformers)
	f.p.SetExternalKubeClientSet(kube)
	f.p.SetMLInformerFactory(mlInformers)
	f.p.SetMLClient(f.ml)
	f.p.SetSystemNamespace(systemNS)
	if err := f.p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	if synced {
		for _, s := range []interface {
			Start(<-chan struct{})
			Shutdown()
		}{kubeInformers, mlInformers} {
			s.Start(t.Context().Done())
			t.Cleanup(s.Shutdown)
		}
		kubeInformers.WaitForCacheSync(t.Context().Done())
		mlInformers.WaitForCacheSync(t.Context().Done())
	}
	return f
}

func (f *fixture) create(t *testing.T, obj runtime.Object, dryRun bool) error {
	t.Helper()
	name := obj.(interface{ GetName() string }).GetName()
	a := admission.NewAttributesRecord(obj, nil, ml.Kind("TrainingJob").WithVersion(""), ns, name,
		mlv1alpha1.SchemeGroupVersion.WithResource("trainingjobs"), "", admission.Create, nil, dryRun, nil)
	return f.p.Validate(t.Context(), a, nil)
}

// toV1alpha1 converts an internal object to v1alpha1, as informers hold it.
func toV1alpha1(t *testing.T, obj runtime.Object) runtime.Object {
	t.Helper()
	out, err := scheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), mlv1alpha1.SchemeGroupVersion)
	if err != nil {
		t.Fatalf("convert %T: %v", obj, err)
	}
	return out
}

func (f *fixture) do(t *testing.T, req admissiontest.Request) error {
	t.Helper()
	return f.p.Validate(t.Context(), req.Attributes(), nil)
}

// used returns what the record says the namespace's objects hold of key
// ("" without a record), and the keys of its pending entries.
func (f *fixture) used(t *testing.T, key corev1.ResourceName) (string, []string) {
	t.Helper()
	cm := f.cms.get(recordOfNS)
	if cm == nil {
		return "", nil
	}
	var used map[string]string
	if err := json.Unmarshal([]byte(cm.Data["used"]), &used); err != nil {
		t.Fatalf("used: %v", err)
	}
	var pending []string
	for k := range cm.Data {
		if p, ok := strings.CutPrefix(k, "pending."); ok {
			pending = append(pending, p)
		}
	}
	sort.Strings(pending)
	q := used[string(key)]
	if q == "" {
		q = "0"
	}
	return q, pending
}

func wantCode(t *testing.T, err error, code int32, want ...string) {
	t.Helper()
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != code {
		t.Fatalf("want code %d, got %v", code, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func scale(name string, replicas int32) *scalescheme.Scale {
	return &scalescheme.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: scalescheme.ScaleSpec{Replicas: replicas}}
}

func TestCreate(t *testing.T) {
	gpuQuota := []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")}
	tests := map[string]struct {
		quotas   []*corev1.ResourceQuota
		existing []*ml.TrainingJob
		job      *ml.TrainingJob
		dryRun   bool
		wantErr  []string
		wantUsed string // "" when no record is written
	}{
		"no quota: admitted, nothing recorded": {
			job: withUID(gpuJob("big", 3, "4").Obj()),
		},
		"3 replicas x 4 GPUs against 8": {
			quotas: gpuQuota, job: withUID(gpuJob("big", 3, "4").Obj()),
			wantErr: []string{`exceeded quota "gpu": requests.nvidia.com/gpu requested 12 (3 replicas x 4), other ml.example.io objects hold 0 of 8, 8 left`},
		},
		"2 replicas x 4 GPUs against 8 fits": {
			quotas: gpuQuota, job: withUID(gpuJob("fits", 2, "4").Obj()),
			wantUsed: "8",
		},
		"what existing jobs hold counts when the record starts": {
			quotas: gpuQuota, existing: []*ml.TrainingJob{withUID(gpuJob("old", 3, "2").Obj())},
			job:     withUID(gpuJob("new", 1, "4").Obj()),
			wantErr: []string{"requested 4 (1 replicas x 4), other ml.example.io objects hold 6 of 8, 2 left"},
		},
		"finished and suspended jobs hold nothing": {
			quotas: gpuQuota,
			existing: []*ml.TrainingJob{
				withUID(gpuJob("done", 8, "1").Phase(ml.TrainingJobSucceeded).Obj()),
				withUID(gpuJob("broken", 8, "1").Phase(ml.TrainingJobFailed).Obj()),
				withUID(gpuJob("parked", 8, "1").Suspend(true).Obj()),
			},
			job:      withUID(gpuJob("new", 2, "4").Obj()),
			wantUsed: "8",
		},
		"bare cpu counts requests": {
			quotas:  []*corev1.ResourceQuota{quota("compute", "cpu", "1")},
			job:     withUID(mltesting.MakeTrainingJob("j", ns).Replicas(2).Request(corev1.ResourceCPU, "600m").Obj()),
			wantErr: []string{`exceeded quota "compute": requests.cpu requested 1200m (2 replicas x 600m)`},
		},
		"limits.memory counts limits": {
			quotas:  []*corev1.ResourceQuota{quota("mem", "limits.memory", "1Gi")},
			job:     withUID(mltesting.MakeTrainingJob("j", ns).Replicas(3).Limit(corev1.ResourceMemory, "512Mi").Obj()),
			wantErr: []string{"limits.memory requested 1536Mi (3 replicas x 512Mi)"},
		},
		"pods count replicas": {
			quotas:  []*corev1.ResourceQuota{quota("pods", "pods", "2")},
			job:     withUID(mltesting.MakeTrainingJob("j", ns).Replicas(3).Obj()),
			wantErr: []string{"pods requested 3 (3 replicas)"},
		},
		"quotas with scopes are not evaluated": {
			quotas: []*corev1.ResourceQuota{func() *corev1.ResourceQuota {
				q := quota("scoped", "requests.nvidia.com/gpu", "1")
				q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}
				return q
			}()},
			job: withUID(gpuJob("big", 3, "4").Obj()),
		},
		"dry run checks but does not record": {
			quotas: gpuQuota, job: withUID(gpuJob("fits", 2, "4").Obj()), dryRun: true,
		},
		"every role's replicas count, each with its resources": {
			// 2 workers x 4 GPUs, a chief with the job's 4, 2 ps with none.
			quotas:  gpuQuota,
			job:     withUID(gpuJob("tf", 2, "4").TFRoles(2, 2).Obj()),
			wantErr: []string{"requests.nvidia.com/gpu requested 20 (worker: 2 replicas x 4, chief: 1 replicas x 4, ps: 2 replicas x 4"},
		},
		"a role's resources replace the job's": {
			quotas: gpuQuota,
			job: withUID(gpuJob("tf", 2, "2").Framework(ml.FrameworkTensorFlow).RoleSpec(ml.ReplicaRole{Name: ml.RolePS, Replicas: ptr.To[int32](3),
				ContainerSpec: ml.ContainerSpec{Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{gpu: apiresource.MustParse("0")}}}}).Obj()),
			wantUsed: "4",
		},
		"pods of every role count": {
			quotas:  []*corev1.ResourceQuota{quota("pods", "pods", "3")},
			job:     withUID(mltesting.MakeTrainingJob("j", ns).MPIRoles(3, 2).Obj()),
			wantErr: []string{"pods requested 4 (worker: 3 replicas, launcher: 1 replicas)"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, true, tc.quotas, tc.existing...)
			err := f.create(t, tc.job, tc.dryRun)
			if tc.wantErr != nil {
				wantCode(t, err, 403, tc.wantErr...)
			} else if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != tc.wantUsed {
				t.Errorf("record says %q GPUs used, want %q", used, tc.wantUsed)
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	f := newFixture(t, false, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")})
	wantCode(t, f.create(t, withUID(gpuJob("j", 1, "1").Obj()), false), 503, "MLQuota is not ready", "resourcequotas", "trainingjobs")
	if f.cms.writeCount() != 0 {
		t.Error("a request refused as not ready wrote the record")
	}
}

func TestUpdateScaleDelete(t *testing.T) {
	running := withUID(gpuJob("j", 2, "1").Obj())
	f := newFixture(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")}, running)
	wantUsed := func(want string) {
		t.Helper()
		if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != want {
			t.Fatalf("record says %s GPUs used, want %s", used, want)
		}
	}
	if err := f.create(t, withUID(gpuJob("other", 2, "1").Obj()), false); err != nil {
		t.Fatal(err)
	}
	wantUsed("4") // the record starts with what j holds (2), then other (2)

	scaleReq := func(from, to int32) admissiontest.Request {
		return admissiontest.Request{Operation: admission.Update, Resource: "trainingjobs", Subresource: "scale", Kind: "Scale", Name: "j",
			Object: scale("j", to), Old: scale("j", from)}
	}
	wantCode(t, f.do(t, scaleReq(2, 9)), 403, "requested 9 (9 replicas x 1), other ml.example.io objects hold 2 of 8, 6 left")
	if err := f.do(t, scaleReq(2, 6)); err != nil {
		t.Fatalf("scale to 6: %v", err)
	}
	wantUsed("8")
	// The store retries an update that conflicted, admission included.
	if err := f.do(t, scaleReq(2, 6)); err != nil {
		t.Fatalf("retry of the scale to 6: %v", err)
	}
	wantUsed("8")

	update := func(old, obj *ml.TrainingJob) admissiontest.Request {
		return admissiontest.Request{Operation: admission.Update, Resource: "trainingjobs", Kind: "TrainingJob", Name: obj.Name, Object: obj, Old: old}
	}
	wantCode(t, f.do(t, update(withUID(gpuJob("other", 2, "1").Obj()), withUID(gpuJob("other", 2, "2").Obj()))), 403,
		"requested 4 (2 replicas x 2), other ml.example.io objects hold 6 of 8, 2 left")
	writes := f.cms.writeCount()
	if err := f.do(t, update(withUID(gpuJob("other", 2, "1").Obj()), withUID(gpuJob("other", 1, "1").Obj()))); err != nil {
		t.Fatalf("scale down by update: %v", err)
	}
	if f.cms.writeCount() != writes {
		t.Error("a decrease wrote the record; the reconciler records decreases")
	}

	scaled := withUID(gpuJob("j", 6, "1").Obj())
	if err := f.do(t, admissiontest.Request{Operation: admission.Delete, Resource: "trainingjobs", Kind: "TrainingJob", Name: "j", Old: scaled}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	wantUsed("2")
	// A second DELETE of an object already being deleted releases nothing.
	terminating := withUID(gpuJob("other", 2, "1").Obj())
	terminating.DeletionTimestamp = &metav1.Time{Time: f.now}
	if err := f.do(t, admissiontest.Request{Operation: admission.Delete, Resource: "trainingjobs", Kind: "TrainingJob", Name: "other", Old: terminating}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	wantUsed("2")
}

// TestConcurrentCreates is the reason for the compare-and-swap: 20 requests
// at once against room for 10 admit exactly 10.
func TestConcurrentCreates(t *testing.T) {
	f := newFixture(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "10")})
	admitted := createAtOnce(t, 20, func(i int) error {
		return f.create(t, withUID(gpuJob(fmt.Sprintf("j%d", i), 1, "1").Obj()), false)
	})
	if admitted != 10 {
		t.Errorf("admitted %d of 20 against room for 10", admitted)
	}
	if used, pending := f.used(t, "requests.nvidia.com/gpu"); used != "10" || len(pending) != 10 {
		t.Errorf("record says %s used with %d pending entries, want 10 and 10", used, len(pending))
	}
}

// createAtOnce calls create for 0 to n-1 all at once and returns how many
// were admitted; the others must be refused with 403.
func createAtOnce(t *testing.T, n int, create func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = create(i)
		}()
	}
	wg.Wait()
	admitted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			admitted++
		case !apierrors.IsForbidden(err):
			t.Errorf("want admitted or 403, got %v", err)
		}
	}
	return admitted
}

func TestReconcile(t *testing.T) {
	f := newFixture(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "100")},
		withUID(gpuJob("running", 2, "1").Obj()),
		withUID(gpuJob("finished", 4, "1").Phase(ml.TrainingJobSucceeded).Obj()),
		withUID(gpuJob("scaled", 3, "1").Obj()),
	)
	wantRecord := func(what, used string, pending ...string) {
		t.Helper()
		gotUsed, gotPending := f.used(t, "requests.nvidia.com/gpu")
		if gotUsed != used || !cmp.Equal(gotPending, pending, cmpopts.EquateEmpty()) {
			t.Errorf("%s: record says %s used, pending %v; want %s, pending %v", what, gotUsed, gotPending, used, pending)
		}
	}
	// Seeded from the informers: running 2 + scaled 3; finished holds nothing.
	if err := f.create(t, withUID(gpuJob("never-created", 5, "1").Obj()), false); err != nil {
		t.Fatal(err)
	}
	wantRecord("after a create", "10", "trainingjobs.never-created")

	// The record drifts: a scale-up of "scaled" admitted but not yet seen
	// by the informer, and a wrong total.
	rec, err := f.p.readRecord(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	rec.used = charge{"requests.nvidia.com/gpu": apiresource.MustParse("50")}
	rec.pending["trainingjobs.scaled"] = newEntry("uid-scaled", gpuShape(6).charge(), f.now)
	if err := f.p.writeRecord(t.Context(), rec); err != nil {
		t.Fatal(err)
	}

	f.now = f.now.Add(f.p.Grace / 2)
	f.p.reconcileAll(t.Context())
	// running 2 + scaled max(3 seen, 6 admitted) + never-created 5 in flight.
	wantRecord("within the grace period", "13", "trainingjobs.never-created", "trainingjobs.scaled")

	f.now = f.now.Add(f.p.Grace)
	f.p.reconcileAll(t.Context())
	wantRecord("after the grace period", "5")

	// Without a quota the record goes, and a new quota starts afresh.
	if err := f.p.client.CoreV1().ResourceQuotas(ns).Delete(t.Context(), "gpu", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventuallyNoQuota(t, f)
	f.p.reconcileAll(t.Context())
	if f.cms.get(recordOfNS) != nil {
		t.Error("the record of a namespace without a quota was kept")
	}
}

// TestStaleCache: a record this server cached but another server changed
// since (here: released quota) is read again before a refusal.
func TestStaleCache(t *testing.T) {
	f := newFixture(t, true, []*corev1.ResourceQuota{quota("gpu", "requests.nvidia.com/gpu", "8")})
	if err := f.create(t, withUID(gpuJob("a", 1, "4").Obj()), false); err != nil {
		t.Fatal(err)
	}
	// Another server released a's quota.
	cms := f.p.client.CoreV1().ConfigMaps(systemNS)
	cm, err := cms.Get(t.Context(), recordOfNS, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"used": "{}"}
	if _, err := cms.Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if cached, ok := f.p.cachedRecord(ns); !ok || cached.used.equal(charge{}) {
		t.Fatal("the test needs this server's cache to be stale")
	}
	if err := f.create(t, withUID(gpuJob("b", 2, "4").Obj()), false); err != nil {
		t.Errorf("refused from a stale cache: %v", err)
	}
	if used, _ := f.used(t, "requests.nvidia.com/gpu"); used != "8" {
		t.Errorf("record says %s used, want 8", used)
	}
}

func gpuShape(replicas int32) shape {
	return shape{replicas: replicas, resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{gpu: apiresource.MustParse("1")}}}
}

// eventuallyNoQuota waits until the quota informer has seen the delete.
func eventuallyNoQuota(t *testing.T, f *fixture) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if l, err := f.p.limits(ns); err == nil && len(l) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the quota informer never saw the quota deleted")
}
