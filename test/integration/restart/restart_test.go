package restart

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// watchTimeout bounds the wait for one watch event; events normally arrive
// in milliseconds.
const watchTimeout = 30 * time.Second

// storedObject is an object the restart must keep.
type storedObject struct {
	kind mltesting.Kind
	obj  mltesting.Object
}

// event is what the test checks of a watch event. ResourceVersion is
// empty for deletions, whose resourceVersion the delete call does not
// return.
type event struct {
	Type            watch.EventType
	Name            string
	ResourceVersion string
}

func TestRestartKeepsObjectsWatchHistoryAndCertificates(t *testing.T) {
	ctx := t.Context()
	ns := framework.NewNamespace(t)
	cs := server.Clientset()
	files := certificateFiles(t)

	// One object of every kind.
	var stored []storedObject
	for _, k := range mltesting.Kinds() {
		obj, err := k.Client(cs, ns).Create(ctx, k.New("kept", ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s: %v", k.Name, err)
		}
		if k.Name != "TrainingJob" { // deleted below
			stored = append(stored, storedObject{k, obj})
		}
	}

	// Changes made while nobody watches, after the resourceVersion of a list.
	jobs := cs.MlV1alpha1().TrainingJobs(ns)
	list, err := jobs.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	listRV := list.ResourceVersion
	var want []event
	create := func(name string) *mlv1alpha1.TrainingJob {
		t.Helper()
		job, err := jobs.Create(ctx, mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		want = append(want, event{watch.Added, name, job.ResourceVersion})
		return job
	}
	update := func(job *mlv1alpha1.TrainingJob) *mlv1alpha1.TrainingJob {
		t.Helper()
		job.Spec.BackoffLimit = ptr.To(ptr.Deref(job.Spec.BackoffLimit, 0) + 1)
		job, err := jobs.Update(ctx, job, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update %s: %v", job.Name, err)
		}
		want = append(want, event{watch.Modified, job.Name, job.ResourceVersion})
		return job
	}
	remove := func(name string) {
		t.Helper()
		if err := jobs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
		want = append(want, event{watch.Deleted, name, ""})
	}
	a := create("a")
	b := create("b")
	update(a)
	remove("kept")
	b = update(b)
	remove("a")
	c := create("c")
	c.Status.Phase = mlv1alpha1.TrainingJobRunning
	c, err = jobs.UpdateStatus(ctx, c, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status of c: %v", err)
	}
	want = append(want, event{watch.Modified, "c", c.ResourceVersion})
	stored = append(stored, storedObject{mltesting.KindNamed("TrainingJob"), b}, storedObject{mltesting.KindNamed("TrainingJob"), c})

	server.Restart()
	cs = server.Clientset()

	t.Run("certificates", func(t *testing.T) {
		if diff := cmp.Diff(files, certificateFiles(t)); diff != "" {
			t.Errorf("certificates after restart (-before +after):\n%s", diff)
		}
	})

	t.Run("objects", func(t *testing.T) {
		for _, s := range stored {
			k, before := s.kind, s.obj
			after, err := k.Client(cs, ns).Get(ctx, before.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Errorf("get %s %s after restart: %v", k.Name, before.GetName(), err)
				continue
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("%s %s after restart (-before +after):\n%s", k.Name, before.GetName(), diff)
			}
		}
	})

	t.Run("watch from before the restart", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 2*watchTimeout)
		defer cancel()
		w, err := cs.MlV1alpha1().TrainingJobs(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: listRV})
		if err != nil {
			t.Fatalf("watch from resourceVersion %s: %v", listRV, err)
		}
		defer w.Stop()
		// A change after the restart must follow the history.
		d, err := cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("d", ns).Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create d: %v", err)
		}
		want := append(want, event{watch.Added, "d", d.ResourceVersion})
		var got []event
		for range want {
			select {
			case e, ok := <-w.ResultChan():
				if !ok {
					t.Fatalf("the watch ended after %d of %d events: %v", len(got), len(want), got)
				}
				got = append(got, observe(t, e))
			case <-time.After(watchTimeout):
				t.Fatalf("no watch event within %v after %d of %d events: %v", watchTimeout, len(got), len(want), got)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events since resourceVersion %s (-want +got):\n%s", listRV, diff)
		}
	})
}

// observe returns what the test checks of a watch event; it fails the test
// on an error event.
func observe(t *testing.T, e watch.Event) event {
	t.Helper()
	if e.Type == watch.Error {
		t.Fatalf("watch error: %v", e.Object)
	}
	job, ok := e.Object.(*mlv1alpha1.TrainingJob)
	if !ok {
		t.Fatalf("a %s event of a %T", e.Type, e.Object)
	}
	got := event{Type: e.Type, Name: job.Name, ResourceVersion: job.ResourceVersion}
	if e.Type == watch.Deleted {
		got.ResourceVersion = ""
	}
	return got
}

// certificateFiles returns the PKI files of the data directory and what
// the admin kubeconfig trusts and presents.
func certificateFiles(t *testing.T) map[string]string {
	t.Helper()
	pki := standalone.PKI{Dir: filepath.Join(server.DataDir, "pki")}
	files := map[string]string{}
	for _, path := range []string{pki.CACertFile(), pki.CAKeyFile(), pki.ServingCertFile(), pki.ServingKeyFile(), pki.AdminCertFile(), pki.AdminKeyFile()} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		files[filepath.Base(path)] = string(data)
	}
	cfg, err := clientcmd.LoadFromFile(server.Kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil {
		t.Fatalf("kubeconfig has no current context %q", cfg.CurrentContext)
	}
	files["kubeconfig CA"] = string(cfg.Clusters[ctx.Cluster].CertificateAuthorityData)
	files["kubeconfig client certificate"] = string(cfg.AuthInfos[ctx.AuthInfo].ClientCertificateData)
	if files["kubeconfig CA"] != files["ca.crt"] {
		t.Errorf("the kubeconfig does not trust ca.crt")
	}
	return files
}

// TestRestartWithOpenWatch: an open watch (kubectl get -w, an informer)
// does not hold the server's shutdown until the request timeout (60 s):
// the server closes it after a short grace period and stops, and the
// client sees its watch end.
func TestRestartWithOpenWatch(t *testing.T) {
	ns := framework.NewNamespace(t)
	w, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Watch(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()

	start := time.Now()
	server.Restart()
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("restart with an open watch took %v; the server waited for the watch instead of closing it", took.Round(time.Second))
	}
	deadline := time.After(watchTimeout)
	for {
		select {
		case _, open := <-w.ResultChan():
			if !open {
				return
			}
		case <-deadline:
			t.Fatalf("the watch opened before the restart is still open %v after it", watchTimeout)
		}
	}
}
