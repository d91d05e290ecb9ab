package e2e

// The tests of this file stop and restart processes of the cluster. The
// file name sorts last so that they run after every other test of the
// package, and each leaves the cluster healthy again.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

const apiServiceName = "v1alpha1.ml.example.io"

// TestKubeAPIServerRestart restarts kube-apiserver under ml-apiserver:
// ml-apiserver keeps running, the APIService becomes Available again and
// requests through it work, for the admin and for a user whose requests
// ml-apiserver authorizes with a SubjectAccessReview against the new
// kube-apiserver.
func TestKubeAPIServerRestart(t *testing.T) {
	cluster.Disruptive(t)
	ctx := testContext(t, longTimeout+longTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "carol-edit"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "carol"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create RoleBinding: %v", err)
	}
	admin := framework.ML(t, cluster.Config()).MlV1alpha1().TrainingJobs(ns)
	if _, err := admin.Create(ctx, mltesting.NewTrainingJob("before-restart", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	mlPID := cluster.PID(t, "ml-apiserver")
	kubePID := cluster.PID(t, "kube-apiserver")

	cluster.LocalUp(t, "restart", "kube-apiserver")
	restarted := time.Now()
	if pid := cluster.PID(t, "kube-apiserver"); pid == kubePID {
		t.Fatalf("kube-apiserver still runs as pid %d after the restart", pid)
	}

	waitAPIServiceAvailable(ctx, t)
	carol := framework.ML(t, cluster.ConfigAs("carol")).MlV1alpha1().TrainingJobs(ns)
	// Requests may fail for a moment after the APIService turns Available
	// (the proxy's connections are new); they must succeed within a minute.
	err := wait.PollUntilContextTimeout(ctx, pollInterval, time.Minute, true, func(ctx context.Context) (bool, error) {
		if _, err := admin.Get(ctx, "before-restart", metav1.GetOptions{}); err != nil {
			t.Logf("get before-restart: %v", err)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the job created before the restart cannot be read through the new kube-apiserver: %v", err)
	}
	t.Logf("serving through the new kube-apiserver %s after the restart", time.Since(restarted).Round(100*time.Millisecond))
	created, err := carol.Create(ctx, mltesting.NewTrainingJob("after-restart", ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create as carol after the restart: %v", err)
	}
	list, err := carol.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list as carol after the restart: %v", err)
	}
	if got := len(list.Items); got != 2 {
		t.Errorf("list after the restart: %d jobs, want 2", got)
	}
	if err := carol.Delete(ctx, created.Name, metav1.DeleteOptions{}); err != nil {
		t.Errorf("delete as carol after the restart: %v", err)
	}
	if _, err := framework.ML(t, cluster.ConfigAs("mallory")).MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list as mallory (no binding) after the restart: want 403, got %v", err)
	}

	if pid := cluster.PID(t, "ml-apiserver"); pid != mlPID || !framework.Running(pid, "ml-apiserver") {
		t.Errorf("ml-apiserver ran as pid %d before the restart of kube-apiserver and as %d (running %v) after", mlPID, pid, framework.Running(pid, "ml-apiserver"))
	}
}

// TestEtcdOutage stops etcd: ml-apiserver's /readyz must report not ready,
// naming etcd, while the process keeps running, and report ready again once
// etcd is back, after which requests through kube-apiserver work again.
func TestEtcdOutage(t *testing.T) {
	cluster.Disruptive(t)
	ctx := testContext(t, 4*longTimeout)
	direct := cluster.MLAPIServerConfig(t)
	ns := cluster.Namespace(t)
	admin := framework.ML(t, cluster.Config()).MlV1alpha1().TrainingJobs(ns)
	if _, err := admin.Create(ctx, mltesting.NewTrainingJob("before-outage", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if code, body := readyz(ctx, direct); code != http.StatusOK {
		t.Fatalf("ml-apiserver /readyz before the outage: %d\n%s", code, body)
	}
	mlPID := cluster.PID(t, "ml-apiserver")

	cluster.LocalUp(t, "stop", "etcd")
	t.Cleanup(func() {
		// Whatever failed, the next tests (and local-down) need etcd.
		cluster.LocalUp(t, "start", "etcd")
	})
	stopped := time.Now()

	var body string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		var code int
		code, body = readyz(ctx, direct)
		return code == http.StatusInternalServerError, nil
	})
	if err != nil {
		t.Fatalf("ml-apiserver /readyz did not report 500 within %v of stopping etcd: %v\nlast answer: %s", longTimeout, err, body)
	}
	t.Logf("/readyz not ready %s after etcd stopped", time.Since(stopped).Round(100*time.Millisecond))
	if !strings.Contains(body, "[-]etcd failed") {
		t.Errorf("/readyz while etcd is down: want the etcd check failing, got:\n%s", body)
	}
	// Not a crash: the process runs and keeps answering, not ready, for a
	// while.
	for range 3 {
		time.Sleep(time.Second)
		if !framework.Running(mlPID, "ml-apiserver") {
			t.Fatalf("ml-apiserver (pid %d) exited while etcd was down", mlPID)
		}
		if code, body := readyz(ctx, direct); code != http.StatusInternalServerError {
			t.Errorf("/readyz while etcd is down: %d, want 500\n%s", code, body)
		}
	}

	cluster.LocalUp(t, "start", "etcd")
	started := time.Now()
	err = wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		var code int
		code, body = readyz(ctx, direct)
		return code == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("ml-apiserver /readyz did not recover within %v of starting etcd: %v\nlast answer: %s", longTimeout, err, body)
	}
	t.Logf("/readyz ready %s after etcd started", time.Since(started).Round(100*time.Millisecond))
	if pid := cluster.PID(t, "ml-apiserver"); pid != mlPID || !framework.Running(pid, "ml-apiserver") {
		t.Errorf("ml-apiserver ran as pid %d before the outage and as %d after", mlPID, pid)
	}

	// kube-apiserver shares the etcd: wait for the whole path to work.
	waitAPIServiceAvailable(ctx, t)
	err = wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := admin.Get(ctx, "before-outage", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the job created before the outage cannot be read after it: %v", err)
	}
	if _, err := admin.Create(ctx, mltesting.NewTrainingJob("after-outage", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Errorf("create after the outage: %v", err)
	}
}

// readyz asks ml-apiserver's /readyz?verbose with a 10 s limit; a transport
// error is reported as code 0.
func readyz(ctx context.Context, cfg *rest.Config) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := framework.TryGet(ctx, cfg, "/readyz?verbose")
	if err != nil {
		return 0, err.Error()
	}
	return resp.Code, string(resp.Body)
}

// waitAPIServiceAvailable waits until the APIService of the group says
// Available=True and requests through the aggregator succeed.
func waitAPIServiceAvailable(ctx context.Context, t *testing.T) {
	t.Helper()
	dyn := framework.Dynamic(t, cluster.Config())
	var last string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		obj, err := dyn.Resource(apiServicesGVR).Get(ctx, apiServiceName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, c := range conditions {
			c, _ := c.(map[string]any)
			if c["type"] == "Available" {
				last = fmt.Sprintf("Available=%v %v: %v", c["status"], c["reason"], c["message"])
				return c["status"] == "True", nil
			}
		}
		last = "no Available condition"
		return false, nil
	})
	if err != nil {
		t.Fatalf("APIService %s not Available within %v: %s", apiServiceName, longTimeout, last)
	}
	// The condition can still be the one from before a restart while the
	// aggregator's availability check catches up (and answers 503 in the
	// meantime): wait until requests through the aggregator succeed
	// several times in a row.
	jobs := dyn.Resource(schema.GroupVersionResource{Group: "ml.example.io", Version: "v1alpha1", Resource: "trainingjobs"})
	inARow := 0
	err = wait.PollUntilContextTimeout(ctx, pollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		if _, err := jobs.List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			inARow, last = 0, err.Error()
			return false, nil
		}
		inARow++
		return inARow >= 5, nil
	})
	if err != nil {
		t.Fatalf("requests through the aggregator to %s do not succeed 5 times in a row within %v: %s", apiServiceName, longTimeout, last)
	}
}
