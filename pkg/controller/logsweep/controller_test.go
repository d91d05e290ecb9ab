package logsweep

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// TestSweepOrphans: the archives of deleted objects and of objects
// recreated under the same name go; those of living objects, and of
// resources the sweep does not know, stay.
func TestSweepOrphans(t *testing.T) {
	ctx := t.Context()
	server, _ := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	store := logstore.NewEtcd(logstore.EtcdConfig{Client: server.V3Client.Client})
	put := func(resource, ns, name string, uid types.UID) {
		_, err := store.Put(ctx, logstore.Meta{
			Stream:        logstore.Stream{Namespace: ns, OwnerUID: uid, Pod: name + "-0", Container: "trainer"},
			OwnerResource: resource, OwnerName: name,
		}, strings.NewReader("x\n"))
		if err != nil {
			t.Fatal(err)
		}
	}
	put("trainingjobs", "ns", "alive", "uid-alive")
	put("trainingjobs", "ns", "gone", "uid-gone")
	put("trainingjobs", "ns", "recreated", "uid-old")
	put("notebooks", "ns", "nb-gone", "uid-nb")
	put("widgets", "ns", "unknown", "uid-widget")
	client := fake.NewClientset(
		&mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "alive", UID: "uid-alive"}},
		&mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "recreated", UID: "uid-new"}},
	)

	n, err := New(Config{Archive: store, Client: client}).SweepOnce(ctx)
	if err != nil || n != 3 {
		t.Fatalf("swept %d owners (%v), want 3", n, err)
	}
	owners, err := store.Owners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	left := map[types.UID]bool{}
	for _, o := range owners {
		left[o.UID] = true
	}
	if len(left) != 2 || !left["uid-alive"] || !left["uid-widget"] {
		t.Errorf("owners left: %+v, want uid-alive and uid-widget", owners)
	}
}
