package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// newObject returns an object of resource in ns as a client sends it.
func newObject(resource, name, ns string) runtime.Object {
	switch resource {
	case "pipelines":
		return mltesting.NewPipeline(name, ns).Obj()
	case "pipelineruns":
		return mltesting.NewPipelineRun(name, ns).Obj()
	case "trainingjobs":
		return mltesting.NewTrainingJob(name, ns).Obj()
	case "models":
		return mltesting.NewModel(name, ns).Obj()
	case "notebooks":
		return mltesting.NewNotebook(name, ns).Obj()
	case "tuningjobs":
		// One trial at a time, of a job that runs TrainerImage.
		return mltesting.NewTuningJob(name, ns).Trials(1, 1).Obj()
	case "servingruntimes":
		return mltesting.NewServingRuntime(name, ns, "sklearn", 0)
	case "recurringruns":
		// Daily: no run is due while the test runs.
		run := mltesting.NewPipelineRun(name, ns).Obj()
		return &mlv1alpha1.RecurringRun{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: mlv1alpha1.RecurringRunSpec{
				Schedule:    mlv1alpha1.RecurringSchedule{Interval: &metav1.Duration{Duration: 24 * time.Hour}},
				RunTemplate: mlv1alpha1.RunTemplate{PipelineRun: &run.Spec},
			},
		}
	}
	panic("no builder for " + resource)
}

// kindCases are every request of the matrix for one subject in one
// namespace: every kind × its resource and subresources × their verbs.
func kindCases(s rbacSubject, nsKey string) []rbacCase {
	var cases []rbacCase
	for _, r := range mlResources {
		for _, sub := range append([]string{""}, r.subs...) {
			for _, verb := range subresourceVerbs[sub] {
				cases = append(cases, rbacCase{
					user: s.user, ns: nsKey, resource: r.resource, verb: verb, sub: sub,
					allowed: nsKey == "A" && mayDo(s.role, sub, verb),
				})
			}
		}
	}
	return cases
}

// TestRBACEveryKind checks the aggregated roles on every kind and
// subresource: admin, edit, view and no binding, in the namespace of the
// binding (A) and another (B). Each case is asked three ways, which must
// all agree with the policy (mayDo, and serverVerbs for the verbs only
// the server asks for, which have no request): a SubjectAccessReview, the way
// ml-apiserver's delegated authorizer asks; `kubectl auth can-i --list`
// (parsed once per subject and namespace, by the newest and the oldest
// kubectl); and a real request, through kube-apiserver and straight to
// ml-apiserver. The real requests that would change something are dry
// runs, so the matrix leaves the objects as they were.
func TestRBACEveryKind(t *testing.T) {
	ctx := testContext(t, longTimeout)
	namespaces := map[string]string{"A": cluster.Namespace(t), "B": cluster.Namespace(t)}
	kube := framework.Kube(t, cluster.Config())
	bindSubjects(ctx, t, kube, namespaces["A"])
	admin := framework.ML(t, cluster.Config()).MlV1alpha1().RESTClient()
	for _, ns := range namespaces {
		for _, r := range mlResources {
			if err := admin.Post().Namespace(ns).Resource(r.resource).Body(newObject(r.resource, "existing", ns)).Do(ctx).Error(); err != nil {
				t.Fatalf("create %s existing in %s: %v", r.resource, ns, err)
			}
		}
	}

	t.Run("SubjectAccessReview", func(t *testing.T) {
		for _, s := range rbacSubjects {
			for _, nsKey := range []string{"A", "B"} {
				for _, c := range append(kindCases(s, nsKey), serverVerbCases(s, nsKey)...) {
					got, err := subjectAccess(ctx, kube, c.user, namespaces[nsKey], c.resource, c.sub, c.verb)
					if err != nil {
						t.Fatal(err)
					}
					if got != c.allowed {
						t.Errorf("%s (role %q): SubjectAccessReview allowed=%v, want %v", c, s.role, got, c.allowed)
					}
				}
			}
		}
	})

	t.Run("kubectl auth can-i --list", func(t *testing.T) {
		for _, k := range cluster.Kubectls(t) {
			t.Run(k.Name(), func(t *testing.T) {
				for _, s := range rbacSubjects {
					for _, nsKey := range []string{"A", "B"} {
						rules := canIList(t, k, s.user, namespaces[nsKey])
						for _, c := range append(kindCases(s, nsKey), serverVerbCases(s, nsKey)...) {
							if got := allows(rules, c.resource, c.sub, c.verb); got != c.allowed {
								t.Errorf("%s (role %q): kubectl auth can-i --list says %v, want %v", c, s.role, got, c.allowed)
							}
						}
					}
				}
			})
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
		t.Run(p.name, func(t *testing.T) {
			for _, s := range rbacSubjects {
				for _, nsKey := range []string{"A", "B"} {
					t.Run(fmt.Sprintf("%s in %s", s.user, nsKey), func(t *testing.T) {
						t.Parallel()
						ctx := testContext(t, longTimeout)
						cfg := rest.CopyConfig(p.cfg)
						cfg.Impersonate = rest.ImpersonationConfig{UserName: s.user}
						user := framework.ML(t, cfg).MlV1alpha1().RESTClient()
						for _, c := range kindCases(s, nsKey) {
							err := doKind(ctx, t, user, admin, c, namespaces[nsKey])
							switch {
							case c.allowed && apierrors.IsForbidden(err):
								t.Errorf("%s (role %q): want allowed, got %v", c, s.role, err)
							case c.allowed && err != nil:
								t.Logf("%s: authorized, then %v", c, err)
							case !c.allowed:
								checkAuthz(t, c, namespaces[nsKey], err)
							}
						}
					})
				}
			}
		})
	}
}

// doKind makes the request of c with the user's client: reads for real,
// writes as dry runs (the metrics POST, which has no dry run, appends one
// point). An allowed request may still fail after authorization (a log of
// an object without pods, a LogArchiveRequest for a pod that does not
// exist): only a 403 tells a refusal.
func doKind(ctx context.Context, t *testing.T, user, admin rest.Interface, c rbacCase, ns string) error {
	t.Helper()
	const name = "existing"
	dryRun := metav1.DryRunAll
	named := func(r *rest.Request) *rest.Request {
		r = r.Namespace(ns).Resource(c.resource).Name(name)
		if c.sub != "" {
			r = r.SubResource(c.sub)
		}
		return r
	}
	// current is the object (or its status or scale) as the admin reads
	// it, for the updates.
	current := func() []byte {
		raw, err := named(admin.Get()).DoRaw(ctx)
		if err != nil {
			t.Fatalf("get %s/%s %s as admin: %v", c.resource, c.sub, name, err)
		}
		return raw
	}
	switch c.sub + "/" + c.verb {
	case "/get", "status/get", "scale/get", "log/get", "metrics/get", "artifacts/get", "tasks/get":
		return named(user.Get()).Do(ctx).Error()
	case "/list":
		return user.Get().Namespace(ns).Resource(c.resource).Do(ctx).Error()
	case "/watch":
		w, err := user.Get().Namespace(ns).Resource(c.resource).Param("watch", "true").Watch(ctx)
		if err == nil {
			w.Stop()
		}
		return err
	case "/create":
		obj := newObject(c.resource, "", ns)
		obj.(metav1.Object).SetGenerateName("created-")
		return user.Post().Namespace(ns).Resource(c.resource).Param("dryRun", dryRun).Body(obj).Do(ctx).Error()
	case "/update", "status/update", "scale/update":
		return named(user.Put()).Param("dryRun", dryRun).Body(current()).Do(ctx).Error()
	case "/patch", "status/patch", "scale/patch":
		patch := map[string]string{"": `{"metadata":{"labels":{"e2e-patched":"true"}}}`,
			"status": `{"status":{"message":"written by a user"}}`, "scale": `{"spec":{"replicas":1}}`}[c.sub]
		return named(user.Patch(types.MergePatchType)).Param("dryRun", dryRun).Body([]byte(patch)).Do(ctx).Error()
	case "/delete":
		return named(user.Delete()).Param("dryRun", dryRun).Do(ctx).Error()
	case "/deletecollection":
		return user.Delete().Namespace(ns).Resource(c.resource).Param("dryRun", dryRun).
			Param("labelSelector", "e2e-none=true").Do(ctx).Error()
	case "log/create":
		body, _ := json.Marshal(mlv1alpha1.LogArchiveRequest{PodName: "no-such-pod"})
		return named(user.Post()).Param("dryRun", dryRun).SetHeader("Content-Type", "application/json").Body(body).Do(ctx).Error()
	case "tasks/create":
		body, _ := json.Marshal(mlv1alpha1.PipelineRunTaskList{})
		return named(user.Post()).Param("dryRun", dryRun).SetHeader("Content-Type", "application/json").Body(body).Do(ctx).Error()
	case "metrics/create":
		series := mlv1alpha1.MetricSeries{Name: "rbac", Points: []mlv1alpha1.MetricPoint{{Step: 1, Value: 1}}}
		if c.resource == "pipelineruns" {
			series.Task = "main"
		}
		body, _ := json.Marshal(map[string]any{"series": []mlv1alpha1.MetricSeries{series}})
		return named(user.Post()).SetHeader("Content-Type", "application/json").Body(body).Do(ctx).Error()
	}
	t.Fatalf("no request for %s", c)
	return nil
}
