package framework

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/dashboard"
	e2eframework "ml.example.io/ml-apiserver/test/e2e/framework"
)

// LimitedUser is the user the dashboard of LimitedDashboard acts as.
const LimitedUser = "dashboard-limited"

// LimitedDashboard returns an environment whose dashboard acts as a user
// who may only use verbs (for example "get", "list", "watch") on the
// objects of ml.example.io (subresources included), and read events, in a
// namespace of the test's own. Standalone mode has no RBAC (only its admin
// is authorized), so this runs on a cluster of hack/local-up.sh (started
// on first use and shared by the package, or ML_E2E_KUBECONFIG's): the
// dashboard's kubeconfig is the admin's impersonating LimitedUser, whom a
// Role and RoleBinding give those verbs. Client, Config, Kubeconfig and
// Kubectl stay the admin's, to set objects up. The test is skipped when
// the browser cannot run here.
func (e *Env) LimitedDashboard(t *testing.T, verbs ...string) *Env {
	t.Helper()
	if state.skip != "" {
		t.Skip("browser tests cannot run here: " + state.skip)
	}
	cluster := sharedCluster(t)
	ns := cluster.Namespace(t)
	admin := cluster.Config()
	kube := e2eframework.Kube(t, admin)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: LimitedUser, Namespace: ns},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{ml.GroupName}, Resources: []string{"*"}, Verbs: verbs},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	if _, err := kube.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create role: %v", err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: LimitedUser, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: LimitedUser},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: LimitedUser}},
	}
	if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create role binding: %v", err)
	}
	// RBAC is cached by informers: wait until kube-apiserver says yes to
	// the first verb, so the page's first access review agrees.
	if len(verbs) > 0 {
		waitAllowed(ctx, t, cluster, ns, verbs[0])
	}

	adminKubeconfig := writeKubeconfig(t, cluster.Kubeconfig, ns, "")
	limitedKubeconfig := writeKubeconfig(t, cluster.Kubeconfig, ns, LimitedUser)
	l := &Env{
		Namespace:           ns,
		Client:              e2eframework.ML(t, admin),
		Config:              admin,
		Kubeconfig:          adminKubeconfig,
		DashboardKubeconfig: limitedKubeconfig,
		Mode:                dashboard.ModeCluster,
	}
	l.Dashboard = startDashboard(t, limitedKubeconfig)
	return l
}

// waitAllowed waits until LimitedUser may verb pipelineruns in ns.
func waitAllowed(ctx context.Context, t *testing.T, cluster *e2eframework.Cluster, ns, verb string) {
	t.Helper()
	kube := e2eframework.Kube(t, cluster.Config())
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		r, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   LimitedUser,
				Groups: []string{"system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: ns, Verb: verb, Group: ml.GroupName, Resource: "pipelineruns",
				},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			return false, nil
		}
		return r.Status.Allowed, nil
	})
	if err != nil {
		t.Fatalf("%s may still not %s pipelineruns in %s: %v", LimitedUser, verb, ns, err)
	}
}

// sharedCluster starts the package's local-up cluster on first use; Main
// stops it after the tests.
func sharedCluster(t *testing.T) *e2eframework.Cluster {
	t.Helper()
	state.clusterOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "browser: starting a local-up cluster for the tests of a limited user\n")
		start := time.Now()
		state.cluster, state.stopCluster, state.clusterErr = e2eframework.StartShared()
		if state.clusterErr == nil {
			fmt.Fprintf(os.Stderr, "browser: local-up cluster ready in %v\n", time.Since(start).Round(time.Second))
		}
	})
	if state.clusterErr != nil {
		t.Fatalf("start a local-up cluster: %v", state.clusterErr)
	}
	return state.cluster
}
