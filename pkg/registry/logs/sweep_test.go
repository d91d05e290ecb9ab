package logs

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// jobs is a getter of TrainingJobs by namespace/name.
type jobs map[string]types.UID

func (j jobs) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	uid, ok := j[ns+"/"+name]
	if !ok {
		return nil, apierrors.NewNotFound(ml.Resource("trainingjobs"), name)
	}
	return &ml.TrainingJob{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: uid}}, nil
}

func TestSweepOrphans(t *testing.T) {
	ctx := t.Context()
	server, _ := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	store := logstore.NewEtcd(logstore.EtcdConfig{Client: server.V3Client.Client})
	put := func(ns, name string, uid types.UID) {
		_, err := store.Put(ctx, logstore.Meta{
			Stream:        logstore.Stream{Namespace: ns, OwnerUID: uid, Pod: name + "-0", Container: "trainer"},
			OwnerResource: "trainingjobs", OwnerName: name,
		}, strings.NewReader("x\n"))
		if err != nil {
			t.Fatal(err)
		}
	}
	put("ns", "alive", "uid-alive")
	put("ns", "gone", "uid-gone")
	put("ns", "recreated", "uid-old")
	existing := jobs{"ns/alive": "uid-alive", "ns/recreated": "uid-new"}

	n, err := sweepOnce(ctx, store, map[string]rest.Getter{"trainingjobs": existing})
	if err != nil || n != 2 {
		t.Fatalf("swept %d owners (%v), want 2", n, err)
	}
	owners, err := store.Owners(ctx)
	if err != nil || len(owners) != 1 || owners[0].UID != "uid-alive" {
		t.Errorf("owners left: %+v (%v), want only uid-alive", owners, err)
	}
}
