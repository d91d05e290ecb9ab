package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// Users of the RBAC matrix: alice is bound to the built-in edit ClusterRole
// and victor to view, both in namespace A only; nobody has no binding.
// edit and view get our resources from the aggregate-to-edit/view
// ClusterRoles of artifacts/deploy/rbac, which local-up applied.
const (
	alice  = "alice"
	victor = "victor"
	nobody = "nobody"
)

// rbacCase is one request of the matrix.
type rbacCase struct {
	user     string
	ns       string // "A" or "B"
	resource string // "" for trainingjobs
	verb     string
	sub      string // subresource, "" for the resource
	allowed  bool
}

// gr is the resource of c, with its subresource.
func (c rbacCase) gr() string {
	r := c.resource
	if r == "" {
		r = "trainingjobs"
	}
	if c.sub != "" {
		r += "/" + c.sub
	}
	return r
}

func (c rbacCase) String() string {
	return fmt.Sprintf("%s %s %s in %s", c.user, c.verb, c.gr(), c.ns)
}

// rbacMatrix says who may do what on trainingjobs and their status, by
// the policy of artifacts/deploy/rbac (mayDo): edit gets every verb on the
// jobs but only get on trainingjobs/status, like view.
func rbacMatrix() []rbacCase {
	var cases []rbacCase
	users := []rbacSubject{{alice, roleEdit}, {victor, roleView}, {nobody, roleNone}}
	for _, ns := range []string{"A", "B"} {
		for _, sub := range []string{"", "status"} {
			for _, verb := range subresourceVerbs[sub] {
				for _, u := range users {
					cases = append(cases, rbacCase{user: u.user, ns: ns, verb: verb, sub: sub,
						allowed: ns == "A" && mayDo(u.role, sub, verb)})
				}
			}
		}
	}
	return cases
}

// TestRBAC runs the matrix of requests by impersonation, through
// kube-apiserver and straight to ml-apiserver (whose delegated authorizer
// asks kube-apiserver with a SubjectAccessReview), and checks that
// `kubectl auth can-i --as` agrees with what the requests do.
func TestRBAC(t *testing.T) {
	ctx := testContext(t, longTimeout)
	namespaces := map[string]string{"A": cluster.Namespace(t), "B": cluster.Namespace(t)}
	kube := framework.Kube(t, cluster.Config())
	for _, b := range []struct{ user, role string }{{alice, "edit"}, {victor, "view"}} {
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: b.user + "-" + b.role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: b.user}},
		}
		if _, err := kube.RbacV1().RoleBindings(namespaces["A"]).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create RoleBinding %s: %v", rb.Name, err)
		}
	}
	admin := framework.ML(t, cluster.Config()).MlV1alpha1()
	for _, ns := range namespaces {
		if _, err := admin.TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("existing", ns).Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create the job every case reads: %v", err)
		}
	}
	// RBAC is evaluated from kube-apiserver's informers: wait until both
	// bindings and the aggregated ClusterRoles are in effect, so that no
	// case (nor ml-apiserver's authorization cache) sees a stale denial.
	k := cluster.Kubectl(t)
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		return canI(t, k, alice, "delete", "trainingjobs", "", namespaces["A"]) &&
			canI(t, k, victor, "watch", "trainingjobs", "", namespaces["A"]), nil
	})
	if err != nil {
		t.Fatalf("the RoleBindings of alice and victor did not take effect: %v", err)
	}

	type path struct {
		name string
		cfg  *rest.Config
	}
	paths := []path{{"through kube-apiserver", cluster.Config()}}
	if cluster.Env["ML_APISERVER_URL"] != "" {
		paths = append(paths, path{"to ml-apiserver", cluster.MLAPIServerConfig(t)})
	} else {
		t.Log("ml-apiserver's address is unknown (not a local-up cluster): the matrix runs through kube-apiserver only")
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			for _, c := range rbacMatrix() {
				t.Run(c.String(), func(t *testing.T) {
					ctx := testContext(t, shortTimeout)
					ns := namespaces[c.ns]
					cfg := rest.CopyConfig(p.cfg)
					cfg.Impersonate = rest.ImpersonationConfig{UserName: c.user}
					err := do(ctx, t, cfg, admin, c, ns)
					checkAuthz(t, c, ns, err)
				})
			}
		})
	}

	kubectls := cluster.Kubectls(t)
	t.Run("kubectl auth can-i", func(t *testing.T) {
		for i, k := range kubectls {
			t.Run(k.Name(), func(t *testing.T) {
				for _, c := range rbacMatrix() {
					// The newest kubectl asks about every case, older ones
					// about the key ones.
					if i > 0 && !keyCase(c) {
						continue
					}
					t.Run(c.String(), func(t *testing.T) {
						t.Parallel()
						if got := canI(t, k, c.user, c.verb, "trainingjobs.ml.example.io", c.sub, namespaces[c.ns]); got != c.allowed {
							t.Errorf("kubectl auth can-i --as %s %s trainingjobs.ml.example.io --subresource=%q -n %s: %v, but the request is allowed=%v",
								c.user, c.verb, c.sub, c.ns, got, c.allowed)
						}
					})
				}
			})
		}
	})

	t.Run("kubectl --as", func(t *testing.T) {
		for _, k := range kubectls {
			t.Run(k.Name(), func(t *testing.T) { testKubectlAs(t, k, namespaces) })
		}
	})

	t.Run("Table", func(t *testing.T) { testTableAs(t, namespaces) })
}

// keyCase tells the cases every kubectl version checks.
func keyCase(c rbacCase) bool {
	if c.sub == "status" {
		return c.verb == "update"
	}
	return c.verb == "get" || c.verb == "create" || c.verb == "delete"
}

// do makes the request of c as the user of cfg; admin prepares what it
// needs (the object it updates or deletes).
func do(ctx context.Context, t *testing.T, cfg *rest.Config, admin mlclient.MlV1alpha1Interface, c rbacCase, ns string) error {
	t.Helper()
	jobs := framework.ML(t, cfg).MlV1alpha1().TrainingJobs(ns)
	name := "existing"
	if c.verb == "delete" && c.sub == "" {
		// Every delete case gets an object of its own.
		job := mltesting.NewTrainingJob("", ns).Obj()
		job.GenerateName = "to-delete-"
		created, err := admin.TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create a job to delete: %v", err)
		}
		name = created.Name
	}
	current := func() *mlv1alpha1.TrainingJob {
		job, err := admin.TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get %s as admin: %v", name, err)
		}
		return job
	}
	patch := []byte(`{"metadata":{"labels":{"e2e-patched":"true"}}}`)
	switch c.sub + "/" + c.verb {
	case "/get":
		_, err := jobs.Get(ctx, name, metav1.GetOptions{})
		return err
	case "/list":
		_, err := jobs.List(ctx, metav1.ListOptions{})
		return err
	case "/watch":
		w, err := jobs.Watch(ctx, metav1.ListOptions{})
		if err == nil {
			w.Stop()
		}
		return err
	case "/create":
		job := mltesting.NewTrainingJob("", ns).Obj()
		job.GenerateName = "created-"
		_, err := jobs.Create(ctx, job, metav1.CreateOptions{})
		return err
	case "/update":
		// A controller may write the job between the read and the update.
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			job := current()
			job.Spec.BackoffLimit = ptr.To(ptr.Deref(job.Spec.BackoffLimit, 0) + 1)
			_, err := jobs.Update(ctx, job, metav1.UpdateOptions{})
			return err
		})
	case "/patch":
		_, err := jobs.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	case "/delete":
		return jobs.Delete(ctx, name, metav1.DeleteOptions{})
	case "/deletecollection":
		// The selector matches nothing: the verb is what is tested.
		return jobs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "e2e-none=true"})
	case "status/get":
		return framework.ML(t, cfg).MlV1alpha1().RESTClient().Get().
			Namespace(ns).Resource("trainingjobs").Name(name).SubResource("status").Do(ctx).Error()
	case "status/update":
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			job := current()
			job.Status.Phase = mlv1alpha1.TrainingJobPending
			_, err := jobs.UpdateStatus(ctx, job, metav1.UpdateOptions{})
			return err
		})
	case "status/patch":
		_, err := jobs.Patch(ctx, name, types.MergePatchType, []byte(`{"status":{"phase":"Pending"}}`), metav1.PatchOptions{}, "status")
		return err
	}
	t.Fatalf("no request for %s", c)
	return nil
}

// checkAuthz checks that err is what c expects: nil when allowed, else a
// 403 whose message names the user, verb, resource and namespace.
func checkAuthz(t *testing.T, c rbacCase, ns string, err error) {
	t.Helper()
	if c.allowed {
		if err != nil {
			t.Errorf("%s: want allowed, got %v", c, err)
		}
		return
	}
	if !apierrors.IsForbidden(err) {
		t.Fatalf("%s: want 403 Forbidden, got %v", c, err)
	}
	resource := c.gr()
	msg := err.Error()
	for _, want := range []string{
		fmt.Sprintf(`User %q cannot %s resource %q in API group "ml.example.io"`, c.user, c.verb, resource),
		fmt.Sprintf(`in the namespace %q`, ns),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: 403 message %q does not contain %q", c, msg, want)
		}
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		kind, _, _ := strings.Cut(resource, "/")
		if d := status.Status().Details; d == nil || d.Group != "ml.example.io" || d.Kind != kind {
			t.Errorf("%s: 403 details %+v, want group ml.example.io and kind %s", c, d, kind)
		}
	}
}

// canI asks `kubectl auth can-i --as user`.
func canI(t *testing.T, k framework.Kubectl, user, verb, resource, sub, ns string) bool {
	t.Helper()
	args := []string{"auth", "can-i", "--as", user, verb, resource, "-n", ns}
	if sub != "" {
		args = append(args, "--subresource", sub)
	}
	r := k.Run(t, args...)
	switch answer := strings.TrimSpace(r.Stdout); answer {
	case "yes":
		return true
	case "no":
		return false
	default:
		t.Fatalf("kubectl auth can-i %s: %q, err=%v\n%s", strings.Join(args[2:], " "), answer, r.Err, r.Stderr)
		return false
	}
}

// testKubectlAs checks what kubectl --as prints for allowed and refused
// requests.
func testKubectlAs(t *testing.T, k framework.Kubectl, namespaces map[string]string) {
	out := k.MustRun(t, "--as", victor, "get", "trainingjobs", "-n", namespaces["A"])
	if !strings.Contains(out, "existing") {
		t.Errorf("kubectl --as victor get trainingjobs -n A: want the job existing, got:\n%s", out)
	}
	for _, c := range []struct {
		user string
		ns   string
		args []string
		want string
	}{
		{victor, "A", []string{"delete", "trainingjob", "existing"}, `User "victor" cannot delete resource "trainingjobs" in API group "ml.example.io"`},
		{alice, "B", []string{"get", "trainingjobs"}, `User "alice" cannot list resource "trainingjobs" in API group "ml.example.io"`},
		{nobody, "A", []string{"get", "trainingjob", "existing"}, `User "nobody" cannot get resource "trainingjobs" in API group "ml.example.io"`},
	} {
		args := append([]string{"--as", c.user, "-n", namespaces[c.ns]}, c.args...)
		r := k.Run(t, args...)
		if r.Err == nil {
			t.Errorf("kubectl %s succeeded, want Forbidden:\n%s", strings.Join(args, " "), r.Stdout)
			continue
		}
		if !strings.Contains(r.Stderr, "Error from server (Forbidden)") || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("kubectl %s: want Forbidden naming %q, got:\n%s", strings.Join(args, " "), c.want, r.Stderr)
		}
	}
}

// testTableAs lists trainingjobs as a Table, the way kubectl get asks: the
// viewer gets the rows, a user without access a Status saying which verb
// was refused.
func testTableAs(t *testing.T, namespaces map[string]string) {
	ctx := testContext(t, shortTimeout)
	const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"
	path := func(ns string) string { return groupVersionPath + "/namespaces/" + ns + "/trainingjobs" }

	resp := framework.Get(ctx, t, cluster.ConfigAs(victor), path(namespaces["A"]), "Accept", tableAccept)
	if resp.Code != http.StatusOK {
		t.Fatalf("Table list as victor in A: status %d: %.300s", resp.Code, resp.Body)
	}
	var table metav1.Table
	if err := json.Unmarshal(resp.Body, &table); err != nil {
		t.Fatalf("decode Table: %v", err)
	}
	if table.Kind != "Table" || len(table.ColumnDefinitions) == 0 || table.ColumnDefinitions[0].Name != "Name" {
		t.Errorf("Table list as victor in A: kind %q columns %+v, want a Table whose first column is Name", table.Kind, table.ColumnDefinitions)
	}
	var names []any
	for _, row := range table.Rows {
		if len(row.Cells) > 0 {
			names = append(names, row.Cells[0])
		}
	}
	if !slices.Contains(names, any("existing")) {
		t.Errorf("Table list as victor in A: rows named %v, want existing among them", names)
	}

	resp = framework.Get(ctx, t, cluster.ConfigAs(victor), path(namespaces["B"]), "Accept", tableAccept)
	if resp.Code != http.StatusForbidden {
		t.Fatalf("Table list as victor in B: status %d, want 403: %.300s", resp.Code, resp.Body)
	}
	var status metav1.Status
	if err := json.Unmarshal(resp.Body, &status); err != nil {
		t.Fatalf("decode Status: %v", err)
	}
	want := `User "victor" cannot list resource "trainingjobs" in API group "ml.example.io" in the namespace "` + namespaces["B"] + `"`
	if status.Kind != "Status" || status.Reason != metav1.StatusReasonForbidden || !strings.Contains(status.Message, want) {
		t.Errorf("Table list as victor in B: %+v, want a Forbidden Status containing %q", status, want)
	}
}
