package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/dashboard"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestLimitedUser checks the identity behind LimitedDashboard, which the
// page tests use to show that buttons a user may not use are hidden: the
// dashboard acts as a user who may read but not delete, on a real cluster
// with RBAC, so its access reviews say no to delete, and a delete sent
// anyway is refused by the API server, not by the dashboard.
func TestLimitedUser(t *testing.T) {
	env := framework.New(t).LimitedDashboard(t, "get", "list", "watch")
	env.CreateWideRun(t, "keep-me", 1, 1)
	runs := "/k8s/apis/ml.example.io/v1alpha1/namespaces/" + env.Namespace + "/pipelineruns"
	xrw := map[string]string{
		"Authorization":               "Bearer " + env.Dashboard.Token,
		dashboard.RequestedWithHeader: dashboard.RequestedWithValue,
		"Content-Type":                "application/json",
	}

	status, body := get(t, env, http.MethodGet, "/config.json", "", xrw, "")
	var cfg dashboard.UIConfig
	if err := json.Unmarshal([]byte(body), &cfg); status != http.StatusOK || err != nil {
		t.Fatalf("/config.json: %d %v %s", status, err, body)
	}
	if cfg.User != framework.LimitedUser || cfg.Mode != dashboard.ModeCluster || cfg.Namespace != env.Namespace {
		t.Errorf("/config.json = %+v, want user %s in cluster mode, namespace %s", cfg, framework.LimitedUser, env.Namespace)
	}

	if status, body := get(t, env, http.MethodGet, runs, "", xrw, ""); status != http.StatusOK || !strings.Contains(body, "keep-me") {
		t.Errorf("list pipelineruns as the limited user: %d %s", status, body)
	}
	for verb, want := range map[string]bool{"list": true, "watch": true, "delete": false, "create": false, "patch": false} {
		review := fmt.Sprintf(`{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview",
			"spec":{"resourceAttributes":{"namespace":%q,"verb":%q,"group":"ml.example.io","resource":"pipelineruns"}}}`, env.Namespace, verb)
		status, body := get(t, env, http.MethodPost, "/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "", xrw, review)
		var r struct {
			Status struct {
				Allowed bool `json:"allowed"`
			} `json:"status"`
		}
		if err := json.Unmarshal([]byte(body), &r); status != http.StatusCreated || err != nil {
			t.Fatalf("SelfSubjectAccessReview of %s: %d %v %s", verb, status, err, body)
		}
		if r.Status.Allowed != want {
			t.Errorf("may the limited user %s pipelineruns: %v, want %v", verb, r.Status.Allowed, want)
		}
	}
	status, body = get(t, env, http.MethodDelete, runs+"/keep-me", "", xrw, "")
	if status != http.StatusForbidden || !strings.Contains(body, `"kind":"Status"`) || !strings.Contains(body, framework.LimitedUser) {
		t.Errorf("delete as the limited user: %d %s, want the API server's 403 naming the user", status, body)
	}
	if _, err := env.Client.MlV1alpha1().PipelineRuns(env.Namespace).Get(t.Context(), "keep-me", metav1.GetOptions{}); err != nil {
		t.Errorf("the run the limited user tried to delete: %v", err)
	}

	ctx := env.Browser(t)
	env.Screenshot(t, ctx, "limited-user")
}
