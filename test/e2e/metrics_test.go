package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// metricsRequest posts body to (or, with a nil body, gets) the metrics of
// TrainingJob name through kube-apiserver with cfg, and returns the status
// code and body.
func metricsRequest(ctx context.Context, t *testing.T, cfg *rest.Config, ns, name string, body any) (int, []byte) {
	t.Helper()
	c := framework.ML(t, cfg).MlV1alpha1().RESTClient()
	req := c.Get()
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req = c.Post().SetHeader("Content-Type", "application/json").Body(raw)
	}
	var code int
	res := req.Namespace(ns).Resource("trainingjobs").Name(name).SubResource("metrics").Do(ctx).StatusCode(&code)
	raw, _ := res.Raw()
	return code, raw
}

func lossPoint(step int64, value float64) map[string]any {
	return map[string]any{"series": []mlv1alpha1.MetricSeries{{Name: "loss", Points: []mlv1alpha1.MetricPoint{{Step: step, Value: value}}}}}
}

// TestMetricsPodTokens: two jobs run their pods as one service account;
// the controller grants that account create on each job's metrics, so RBAC
// lets either pod's token through to both jobs, and ml-apiserver's check of
// the token's bound pod keeps each pod to its own job. A view user reads
// the metrics and cannot write them.
func TestMetricsPodTokens(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config()).MlV1alpha1()
	const sa = "trainer"
	if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]*mlv1alpha1.TrainingJob{}
	pods := map[string]corev1.Pod{}
	for _, name := range []string{"job-a", "job-b"} {
		job := mltesting.NewTrainingJob(name, ns).Obj()
		job.Spec.ServiceAccountName = sa
		job.Spec.Metrics = &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorPush}
		created, err := ml.TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		jobs[name] = created
		pods[name] = framework.WaitJobPods(ctx, t, kube, ns, name, jobTimeout, "one pod", func(p []corev1.Pod) (bool, string) {
			return len(p) == 1, "pods: " + strconv.Itoa(len(p))
		})[0]
	}
	// The controller's Roles and RoleBindings, owned by the jobs.
	err := wait.PollUntilContextTimeout(ctx, pollInterval, jobTimeout, true, func(ctx context.Context) (bool, error) {
		for name := range jobs {
			if _, err := kube.RbacV1().RoleBindings(ns).Get(ctx, metricscollector.WriterRoleName(name), metav1.GetOptions{}); err != nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the metrics writer RoleBindings did not appear: %v", err)
	}
	role, err := kube.RbacV1().Roles(ns).Get(ctx, metricscollector.WriterRoleName("job-a"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(role.Rules) != 1 || len(role.Rules[0].ResourceNames) != 1 || role.Rules[0].ResourceNames[0] != "job-a" ||
		!metav1.IsControlledBy(role, jobs["job-a"]) {
		t.Errorf("Role of job-a: %+v owners %+v", role.Rules, role.OwnerReferences)
	}

	// Tokens bound to each pod, as the pods' projected tokens are.
	tokenOf := func(pod corev1.Pod) *rest.Config {
		t.Helper()
		tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{
				Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID,
			}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token of pod %s: %v", pod.Name, err)
		}
		cfg := rest.AnonymousClientConfig(cluster.Config())
		cfg.BearerToken = tr.Status.Token
		return cfg
	}
	tokens := map[string]*rest.Config{"job-a": tokenOf(pods["job-a"]), "job-b": tokenOf(pods["job-b"])}

	// RBAC takes effect asynchronously: wait until pod a may write job a.
	err = wait.PollUntilContextTimeout(ctx, pollInterval, jobTimeout, true, func(ctx context.Context) (bool, error) {
		code, _ := metricsRequest(ctx, t, tokens["job-a"], ns, "job-a", lossPoint(1, 0.5))
		return code == http.StatusCreated, nil
	})
	if err != nil {
		t.Fatalf("the token of job-a's pod cannot POST job-a's metrics: %v", err)
	}
	if code, body := metricsRequest(ctx, t, tokens["job-b"], ns, "job-b", lossPoint(1, 0.7)); code != http.StatusCreated {
		t.Errorf("job-b's pod POST to job-b: %d %s, want 201", code, body)
	}
	for _, c := range []struct{ token, job string }{{"job-a", "job-b"}, {"job-b", "job-a"}} {
		// RBAC allows it (both jobs' Roles are bound to the account): the
		// refusal is ml-apiserver's check of the token's pod.
		code, body := metricsRequest(ctx, t, tokens[c.token], ns, c.job, lossPoint(2, 99))
		if code != http.StatusForbidden || !strings.Contains(string(body), "may write only the metrics of the object the pod belongs to") {
			t.Errorf("%s's pod POST to %s: %d %s, want 403 from the pod binding check", c.token, c.job, code, body)
		}
	}

	// victor may view the namespace: read, not write.
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "victor-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: victor}},
	}
	if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	viewer := cluster.ConfigAs(victor)
	var got mlv1alpha1.Metrics
	err = wait.PollUntilContextTimeout(ctx, pollInterval, jobTimeout, true, func(ctx context.Context) (bool, error) {
		code, body := metricsRequest(ctx, t, viewer, ns, "job-a", nil)
		if code != http.StatusOK {
			return false, nil
		}
		return true, json.Unmarshal(body, &got)
	})
	if err != nil {
		t.Fatalf("a view user cannot GET metrics: %v", err)
	}
	if len(got.Series) != 1 || got.Series[0].Name != "loss" || len(got.Series[0].Points) != 1 || got.Series[0].Points[0].Value != 0.5 {
		t.Errorf("job-a's metrics as the view user: %+v (only the pod's own point must be there)", got.Series)
	}
	if code, body := metricsRequest(ctx, t, viewer, ns, "job-a", lossPoint(3, 1)); code != http.StatusForbidden {
		t.Errorf("view user POST: %d %s, want 403", code, body)
	}
}

// TestMetricsStdOutCollector: the controller follows the log of replica 0
// of a running job (kwok serves it from a file) and its name=value pairs
// become points, also those written while the job runs.
func TestMetricsStdOutCollector(t *testing.T) {
	if cluster.LocalUpDir == "" {
		t.Skip("pod logs need kwok's log files: a local-up cluster")
	}
	ctx := testContext(t, 4*time.Minute)
	e := newTJEnv(t)
	const name = "stdout"
	pods := podNames(name, 1)
	files := podLogFiles(ctx, t, e.ns, map[string]string{
		pods[0]: criLines("starting", "step=1 loss=0.91 accuracy=.5", "step=2 loss=0.52 accuracy=.75"),
	})
	e.create(ctx, t, mltesting.NewTrainingJob(name, e.ns).Obj())
	e.waitRunning(ctx, t, name, pods...)

	admin := cluster.Config()
	values := func() map[string][]float64 {
		code, body := metricsRequest(ctx, t, admin, e.ns, name, nil)
		var m mlv1alpha1.Metrics
		if code != http.StatusOK || json.Unmarshal(body, &m) != nil {
			return nil
		}
		out := map[string][]float64{}
		for _, s := range m.Series {
			for _, p := range s.Points {
				out[s.Name] = append(out[s.Name], p.Value)
			}
		}
		return out
	}
	want := map[string][]float64{"loss": {0.91, 0.52}, "accuracy": {0.5, 0.75}}
	var got map[string][]float64
	eventually(t, jobTimeout, "the log's points in the metrics", func() (bool, string) {
		got = values()
		return reflect.DeepEqual(got, want), fmt.Sprintf("got %v", got)
	})

	// A line written while the job runs.
	f, err := os.OpenFile(files[pods[0]], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(criLines("step=3 loss=0.3 score=-7.53e-05"))
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want = map[string][]float64{"loss": {0.91, 0.52, 0.3}, "accuracy": {0.5, 0.75}, "score": {-7.53e-05}}
	eventually(t, jobTimeout, "a live line's points in the metrics", func() (bool, string) {
		got = values()
		return reflect.DeepEqual(got, want), fmt.Sprintf("got %v", got)
	})
}
