package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// succeededPatch is what an editor would send to mark a job done.
const succeededPatch = `{"status":{"phase":"Succeeded"}}`

// TestRBACEditorCannotWriteStatus: an editor (and an admin) of a namespace
// creates a TrainingJob there but cannot mark it Succeeded through the
// status subresource, neither with `kubectl patch --subresource=status` (the
// newest and the oldest kubectl) nor with the client (patch and update,
// through kube-apiserver and straight to ml-apiserver), on any kind; the
// job's status stays the controller's, which keeps writing it.
func TestRBACEditorCannotWriteStatus(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	bindSubjects(ctx, t, framework.Kube(t, cluster.Config()), ns)
	aliceJobs := framework.ML(t, cluster.ConfigAs(alice)).MlV1alpha1().TrainingJobs(ns)
	if _, err := aliceJobs.Create(ctx, mltesting.NewTrainingJob("mine", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create a TrainingJob as the editor %s: %v", alice, err)
	}
	writers := []string{alice, "ada"}

	t.Run("kubectl patch --subresource=status", func(t *testing.T) {
		for _, k := range cluster.Kubectls(t) {
			for _, user := range writers {
				args := []string{"--as", user, "-n", ns, "patch", "trainingjob", "mine",
					"--subresource=status", "--type=merge", "-p", succeededPatch}
				r := k.Run(t, args...)
				want := fmt.Sprintf(`User %q cannot patch resource "trainingjobs/status" in API group "ml.example.io"`, user)
				if r.Err == nil || !strings.Contains(r.Stderr, "Error from server (Forbidden)") || !strings.Contains(r.Stderr, want) {
					t.Errorf("%s %s: want Forbidden naming %q, got err=%v\nstdout: %s\nstderr: %s",
						k.Name(), strings.Join(args, " "), want, r.Err, r.Stdout, r.Stderr)
				}
			}
		}
	})

	paths := []struct {
		name string
		cfg  *rest.Config
	}{{"through kube-apiserver", cluster.Config()}}
	if cluster.Env["ML_APISERVER_URL"] != "" {
		paths = append(paths, struct {
			name string
			cfg  *rest.Config
		}{"to ml-apiserver", cluster.MLAPIServerConfig(t)})
	}
	for _, p := range paths {
		t.Run("client "+p.name, func(t *testing.T) {
			for _, user := range writers {
				cfg := rest.CopyConfig(p.cfg)
				cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
				jobs := framework.ML(t, cfg).MlV1alpha1().TrainingJobs(ns)
				_, err := jobs.Patch(ctx, "mine", types.MergePatchType, []byte(succeededPatch), metav1.PatchOptions{}, "status")
				checkAuthz(t, rbacCase{user: user, ns: "A", verb: "patch", sub: "status"}, ns, err)

				job, err := jobs.Get(ctx, "mine", metav1.GetOptions{})
				if err != nil {
					t.Fatalf("get mine as %s: %v", user, err)
				}
				job.Status.Phase = mlv1alpha1.TrainingJobSucceeded
				_, err = jobs.UpdateStatus(ctx, job, metav1.UpdateOptions{})
				checkAuthz(t, rbacCase{user: user, ns: "A", verb: "update", sub: "status"}, ns, err)
			}
		})
	}

	t.Run("every kind", func(t *testing.T) {
		admin := framework.ML(t, cluster.Config()).MlV1alpha1().RESTClient()
		for _, r := range mlResources {
			if !slices.Contains(r.subs, "status") {
				continue // serving runtimes have no status
			}
			if r.resource != "trainingjobs" {
				if err := admin.Post().Namespace(ns).Resource(r.resource).Body(newObject(r.resource, "mine", ns)).Do(ctx).Error(); err != nil {
					t.Fatalf("create %s mine: %v", r.resource, err)
				}
			}
			for _, user := range writers {
				c := framework.ML(t, cluster.ConfigAs(user)).MlV1alpha1().RESTClient()
				err := c.Patch(types.MergePatchType).Namespace(ns).Resource(r.resource).Name("mine").SubResource("status").
					Body([]byte(`{"status":{"phase":"Succeeded"}}`)).Do(ctx).Error()
				checkAuthz(t, rbacCase{user: user, ns: "A", resource: r.resource, verb: "patch", sub: "status"}, ns, err)
			}
		}
	})

	// Nor through the object itself: an update of the main resource keeps
	// the stored status.
	t.Run("main resource", func(t *testing.T) {
		got, err := aliceJobs.Patch(ctx, "mine", types.MergePatchType, []byte(succeededPatch), metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("patch mine as %s: %v", alice, err)
		}
		if got.Status.Phase == mlv1alpha1.TrainingJobSucceeded {
			t.Errorf("a patch of the main resource by %s set status.phase %s", alice, got.Status.Phase)
		}
	})

	// The refused writes left no trace, and the controller, with its own
	// identity, still writes the job's status.
	admin := framework.ML(t, cluster.Config()).MlV1alpha1().TrainingJobs(ns)
	var last *mlv1alpha1.TrainingJob
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		job, err := admin.Get(ctx, "mine", metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return false, err
			}
			return false, nil
		}
		last = job
		return job.Status.Phase != "", nil
	})
	if err != nil {
		t.Fatalf("the controller did not write the status of mine: %v (last: %+v)", err, last)
	}
	if last.Status.Phase == mlv1alpha1.TrainingJobSucceeded {
		t.Errorf("mine is Succeeded right after it was created: %+v", last.Status)
	}
	t.Logf("the controller wrote status.phase %s", last.Status.Phase)
}
