package controllertest

import (
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
}

// TestNewKubeClientsetAssignsUIDs checks that created objects get a UID
// and generation 1 as from kube-apiserver, and that a UID given by the
// caller is kept.
func TestNewKubeClientsetAssignsUIDs(t *testing.T) {
	c := NewKubeClientset(pod("seeded"))
	pods := c.CoreV1().Pods("ns")
	a, err := pods.Create(t.Context(), pod("a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pods.Create(t.Context(), pod("b"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.UID == "" || b.UID == "" || a.UID == b.UID {
		t.Errorf("UIDs of created pods = %q, %q, want two different ones", a.UID, b.UID)
	}
	if a.Generation != 1 {
		t.Errorf("generation of a created pod = %d, want 1", a.Generation)
	}
	stored, err := pods.Get(t.Context(), "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stored.UID != a.UID {
		t.Errorf("stored UID = %q, want the one create returned, %q", stored.UID, a.UID)
	}

	given := pod("given")
	given.UID, given.Generation = "uid-given", 3
	got, err := pods.Create(t.Context(), given, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != "uid-given" || got.Generation != 3 {
		t.Errorf("created pod with a UID has UID %q, generation %d; want them kept", got.UID, got.Generation)
	}

	// Objects the clientset starts with are stored as given.
	seeded, err := pods.Get(t.Context(), "seeded", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if seeded.UID != "" {
		t.Errorf("seeded pod UID = %q, want none", seeded.UID)
	}
}

// TestWrites checks the format of each kind of write, that reads are left
// out, and that the actions of several clientsets keep their order.
func TestWrites(t *testing.T) {
	first, second := NewKubeClientset(), NewKubeClientset()
	ctx := t.Context()
	pods := first.CoreV1().Pods("ns")
	if _, err := pods.Create(ctx, pod("a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := pods.Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pods.List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Patch(ctx, "a", types.MergePatchType, []byte(`{"metadata":{"labels":{"x":"y"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}}
	if _, err := second.CoreV1().Services("ns").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"create pods a",
		"update pods/status a",
		"update pods a",
		"patch pods a",
		"delete pods a",
		"create services s",
	}
	if diff := cmp.Diff(want, Writes(first.Actions(), second.Actions())); diff != "" {
		t.Errorf("Writes (-want +got):\n%s", diff)
	}
	if got := Writes(second.Actions(), first.Actions()); got[0] != "create services s" {
		t.Errorf("Writes of the second clientset first = %q, want the Service first", got)
	}
	if n := StatusWrites(first.Actions(), second.Actions()); n != 1 {
		t.Errorf("StatusWrites = %d, want 1", n)
	}
	if got := Writes([]clienttesting.Action{clienttesting.NewGetAction(corev1.SchemeGroupVersion.WithResource("pods"), "ns", "a")}); got != nil {
		t.Errorf("Writes of a get = %q, want none", got)
	}
}

// TestEvents checks that the recorder is drained and that reasons are the
// second word of each event.
func TestEvents(t *testing.T) {
	r := record.NewFakeRecorder(10)
	r.Event(pod("a"), corev1.EventTypeNormal, "Created", "created pod a")
	r.Eventf(pod("a"), corev1.EventTypeWarning, "Failed", "pod %s failed: %s", "a", "exit code 1")
	if diff := cmp.Diff([]string{"Normal Created created pod a", "Warning Failed pod a failed: exit code 1"}, DrainEvents(r)); diff != "" {
		t.Errorf("DrainEvents (-want +got):\n%s", diff)
	}
	if got := DrainEvents(r); got != nil {
		t.Errorf("DrainEvents of a drained recorder = %q, want none", got)
	}
	r.Event(pod("a"), corev1.EventTypeNormal, "Created", "created pod a")
	r.Event(pod("a"), corev1.EventTypeWarning, "Failed", "failed")
	if diff := cmp.Diff([]string{"Created", "Failed"}, EventReasons(r)); diff != "" {
		t.Errorf("EventReasons (-want +got):\n%s", diff)
	}
	if got := EventReasons(r); got != nil {
		t.Errorf("EventReasons after EventReasons = %q, want none", got)
	}
}

// TestObserve checks that a never started informer's cache follows what
// the clientset holds, removals included.
func TestObserve(t *testing.T) {
	c := NewKubeClientset(pod("a"), pod("b"))
	informer := informers.NewSharedInformerFactory(c, 0).Core().V1().Pods().Informer()
	Observe(t, informer, c.CoreV1().Pods("").List)
	if diff := cmp.Diff([]string{"ns/a", "ns/b"}, sortedKeys(informer.GetIndexer().ListKeys())); diff != "" {
		t.Errorf("cached keys (-want +got):\n%s", diff)
	}
	if err := c.CoreV1().Pods("ns").Delete(t.Context(), "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	Observe(t, informer, c.CoreV1().Pods("").List)
	if diff := cmp.Diff([]string{"ns/b"}, sortedKeys(informer.GetIndexer().ListKeys())); diff != "" {
		t.Errorf("cached keys after a delete (-want +got):\n%s", diff)
	}
	obj, ok, err := informer.GetIndexer().GetByKey("ns/b")
	if err != nil || !ok {
		t.Fatalf("GetByKey(ns/b) = %v, %v", ok, err)
	}
	if _, isPod := obj.(*corev1.Pod); !isPod {
		t.Errorf("cached object is a %T, want a *v1.Pod", obj)
	}

	Replace(t, informer.GetIndexer(), Items([]corev1.Pod{*pod("c")}))
	if diff := cmp.Diff([]string{"ns/c"}, sortedKeys(informer.GetIndexer().ListKeys())); diff != "" {
		t.Errorf("cached keys after Replace (-want +got):\n%s", diff)
	}
}

// TestFixtureSync checks that a sync sees what the clientsets hold and
// that the writes read afterwards are only its own.
func TestFixtureSync(t *testing.T) {
	f := NewFixture(t, &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns"}})
	for _, name := range []string{"b-1", "b-0"} {
		if _, err := f.Kube.CoreV1().Pods("ns").Create(f.Ctx, pod(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	jobs := f.MLInformers.Ml().V1alpha1().TrainingJobs().Lister()
	pods := f.KubeInformers.Core().V1().Pods().Lister()
	var seen []string
	sync := func(ctx context.Context, key cache.ObjectName) error {
		j, err := jobs.TrainingJobs(key.Namespace).Get(key.Name)
		if err != nil {
			return err
		}
		all, err := pods.List(labels.Everything())
		if err != nil {
			return err
		}
		for _, p := range all {
			seen = append(seen, p.Name)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: j.Name, Namespace: j.Namespace}}
		_, err = f.Kube.CoreV1().Services(j.Namespace).Create(ctx, svc, metav1.CreateOptions{})
		return err
	}
	f.MustSync(sync, "ns", "a")
	if diff := cmp.Diff([]string{"b-0", "b-1"}, slices.Sorted(slices.Values(seen))); diff != "" {
		t.Errorf("pods the sync saw (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"create services a"}, Writes(f.Kube.Actions(), f.ML.Actions())); diff != "" {
		t.Errorf("writes of the sync (-want +got):\n%s", diff)
	}
	if err := f.Sync(sync, "ns", "missing"); !apierrors.IsNotFound(err) {
		t.Errorf("sync of a job the cache does not hold = %v, want not found", err)
	}
	if diff := cmp.Diff([]string{"b-0", "b-1"}, f.PodNames("ns")); diff != "" {
		t.Errorf("PodNames (-want +got):\n%s", diff)
	}
	if p := f.Pod("ns", "b-0"); p.UID == "" {
		t.Errorf("Pod(ns, b-0) = %+v, want the stored pod with its UID", p)
	}
}

// TestUpdateSpec checks that a change is stored with the generation
// bumped. The model has a UID, as stored objects do: the fake ml
// clientset does not track managed fields of updates to those.
func TestUpdateSpec(t *testing.T) {
	f := NewFixture(t, &mlv1alpha1.Model{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a", Generation: 1}})
	models := f.ML.MlV1alpha1().Models("ns")
	UpdateSpec(t, models, "a", func(m *mlv1alpha1.Model) { m.Spec.Format = "onnx" })
	if m := Get(t, models, "a"); m.Generation != 2 || m.Spec.Format != "onnx" {
		t.Errorf("after UpdateSpec: generation %d, format %q; want 2, onnx", m.Generation, m.Spec.Format)
	}
}

func sortedKeys(keys []string) []string {
	slices.Sort(keys)
	return keys
}

func TestEnv(t *testing.T) {
	c := corev1.Container{Env: []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}}
	for name, want := range map[string]string{"A": "1", "B": "2", "C": ""} {
		if got := Env(c, name); got != want {
			t.Errorf("Env(%s) = %q, want %q", name, got, want)
		}
	}
}

// TestOnlyTestsImport checks that no product code under cmd/ and pkg/
// imports this package: only _test.go files and other test support
// packages (named ...test) may.
func TestOnlyTestsImport(t *testing.T) {
	const self = "ml.example.io/ml-apiserver/pkg/controller/controllertest"
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, top := range []string{"cmd", "pkg"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			dir := filepath.Base(filepath.Dir(path))
			if strings.HasSuffix(dir, "test") || strings.HasSuffix(dir, "testing") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				t.Logf("skipping %s: %v", path, err)
				return nil
			}
			checked++
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == self {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s imports %s, which only tests may import", rel, self)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked == 0 {
		t.Fatalf("no Go files found under %s", root)
	}
}
