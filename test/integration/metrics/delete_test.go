package metrics

import (
	"context"
	"path/filepath"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestOwnerDeletionRemovesSeries runs a server whose points live on a
// separate etcd (--ml-data-etcd-servers) and checks that store's keys: the
// points are there and outside the object prefix, and deleting the owner
// (directly, through a finalizer, or by deletecollection) removes them.
func TestOwnerDeletionRemovesSeries(t *testing.T) {
	ctx := t.Context()
	etcdCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var data *standalone.Etcd
	defer func() {
		if data != nil {
			data.Close()
		}
	}()
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		// The data etcd shares the certificates of the server's embedded
		// etcd: the server reaches both with the same client certificate.
		var err error
		data, err = standalone.StartEtcd(etcdCtx, standalone.EtcdOptions{
			Dir:           t.TempDir(),
			PKIDir:        filepath.Join(standalone.EmbeddedEtcdDir(o.DataDir), "pki"),
			UnsafeNoFsync: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		o.DataStore.EtcdServers = []string{data.ClientURL()}
	})
	etcd, err := data.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = etcd.Close() }()
	c := client(t, s)
	jobs := s.Clientset().MlV1alpha1().TrainingJobs("ns")

	keys := func(prefix string) int64 {
		t.Helper()
		resp, err := etcd.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Count
	}
	jobKeys := func(job *mlv1alpha1.TrainingJob) int64 {
		return keys(metricstore.DefaultPrefix + "/trainingjobs/ns/" + job.Name + "/" + string(job.UID) + "/")
	}
	create := func(name string, finalizers ...string) *mlv1alpha1.TrainingJob {
		t.Helper()
		obj := mltesting.NewTrainingJob(name, "ns").Obj()
		obj.Finalizers = finalizers
		job, err := jobs.Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mustPost(t, c, "trainingjobs", "ns", name, series("", "loss", wave(5000)...))
		if n := jobKeys(job); n == 0 {
			t.Fatalf("no metric keys for %s in the data etcd", name)
		}
		return job
	}

	direct := create("direct")
	finalized := create("finalized", "example.com/hold")
	a, b := create("a"), create("b")
	if n := keys(options.EtcdPathPrefix); n != 0 {
		t.Errorf("%d object keys in the data etcd: objects went to the wrong etcd", n)
	}

	if err := jobs.Delete(ctx, "direct", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := jobKeys(direct); n != 0 {
		t.Errorf("%d metric keys left after deleting the job", n)
	}

	if err := jobs.Delete(ctx, "finalized", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := jobKeys(finalized); n == 0 {
		t.Errorf("metrics deleted while the job still exists (finalizer pending)")
	}
	job, err := jobs.Get(ctx, "finalized", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job.Finalizers = nil
	if _, err := jobs.Update(ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := jobKeys(finalized); n != 0 {
		t.Errorf("%d metric keys left after the last finalizer went", n)
	}

	if err := jobs.DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := jobKeys(a) + jobKeys(b); n != 0 {
		t.Errorf("%d metric keys left after deletecollection", n)
	}

	// A new job of an old name starts without points.
	again, err := jobs.Create(ctx, mltesting.NewTrainingJob("direct", "ns").Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := mustGet(t, c, "trainingjobs", "ns", again.Name, nil); len(m.Series) != 0 {
		t.Errorf("a recreated job sees %d old series", len(m.Series))
	}
}
