package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func newStorage(t *testing.T) TrainingRuntimeStorage {
	t.Helper()
	s, err := NewStorage(registrytest.NewStorageOptions(t, "trainingruntimes", generic.UndecoratedStorage))
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.ClusterTrainingRuntime.Destroy)
	t.Cleanup(s.TrainingRuntime.Destroy)
	return s
}

// TestCreateAndUpdate: a runtime is stored with generation 1, a change of
// its template bumps it, and an invalid one is a 422 naming the field.
func TestCreateAndUpdate(t *testing.T) {
	s := newStorage(t)
	ctx := registrytest.NewContext("")
	obj, err := s.ClusterTrainingRuntime.Create(ctx, mltesting.MakeClusterTrainingRuntime("torch"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	created := obj.(*ml.ClusterTrainingRuntime)
	if created.Generation != 1 {
		t.Errorf("generation %d, want 1", created.Generation)
	}
	edited := created.DeepCopy()
	edited.Spec.Template.Image = "pytorch/pytorch:2.6"
	obj, _, err = s.ClusterTrainingRuntime.Update(ctx, "torch", rest.DefaultUpdatedObjectInfo(edited), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if g := obj.(*ml.ClusterTrainingRuntime).Generation; g != 2 {
		t.Errorf("generation after an edit %d, want 2", g)
	}
	bad := mltesting.MakeTrainingRuntime("bad", registrytest.Namespace)
	bad.Spec.Template.NumProcPerNode = ptr.To[int32](0)
	_, err = s.TrainingRuntime.Create(registrytest.NewContext(registrytest.Namespace), bad, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.template.numProcPerNode") {
		t.Errorf("create an invalid runtime: %v, want a 422 naming spec.template.numProcPerNode", err)
	}
}

func TestDiscovery(t *testing.T) {
	s := newStorage(t)
	if diff := cmp.Diff([]string{"ctr"}, s.ClusterTrainingRuntime.ShortNames()); diff != "" {
		t.Errorf("cluster short names (-want +got):\n%s", diff)
	}
	if got := s.ClusterTrainingRuntime.Categories(); len(got) != 0 {
		t.Errorf("ClusterTrainingRuntimes are in the categories %v: `kubectl delete ml --all -n NS` would delete them", got)
	}
	if s.ClusterTrainingRuntime.NamespaceScoped() || !s.TrainingRuntime.NamespaceScoped() {
		t.Errorf("namespace scoped: cluster %v, namespaced %v", s.ClusterTrainingRuntime.NamespaceScoped(), s.TrainingRuntime.NamespaceScoped())
	}
	if diff := cmp.Diff([]string{"tr"}, s.TrainingRuntime.ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
	var _ rest.CategoriesProvider = s.ClusterTrainingRuntime
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	c := newClusterTableConvertor()
	c.Now = func() time.Time { return now }
	r := mltesting.MakeClusterTrainingRuntime("torch")
	r.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	table, err := c.ConvertToTable(registrytest.NewContext(""), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Name", "Framework", "Replicas", "Procs", "Age", "Image"}, registrytest.ColumnNames(table)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	want := []any{"torch", "PyTorch", "2", "2", "120m", mltesting.TrainerImage}
	if diff := cmp.Diff(want, table.Rows[0].Cells); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	n := newTableConvertor()
	n.Now = c.Now
	empty := &ml.TrainingRuntime{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns"}}
	table, err = n.ConvertToTable(registrytest.NewContext("ns"), empty, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"e", "", "<unset>", "<unset>", "<unknown>", ""}, table.Rows[0].Cells); diff != "" {
		t.Errorf("cells of an empty template (-want +got):\n%s", diff)
	}
}
