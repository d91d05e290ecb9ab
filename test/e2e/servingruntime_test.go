package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// warningRecorder records the Warning headers a client receives.
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

// TestModelByFormat: a Model that names only a format gets the
// ClusterServingRuntime that supports it: its Deployment has the runtime's
// image, args and port, and env from the runtime with the Model's
// variables over it; status names the runtime. Editing the runtime
// afterwards changes nothing in the Deployment, and deleting it is allowed
// with a Warning naming the Model.
func TestModelByFormat(t *testing.T) {
	ctx := testContext(t, longTimeout)
	e := newServingEnv(t)
	warnings := &warningRecorder{}
	cfg := rest.CopyConfig(cluster.Config())
	cfg.WarningHandler = warnings
	admin := framework.ML(t, cfg).MlV1alpha1()

	// A format of this test's own, so that no other runtime competes.
	format := "e2e-" + e.ns
	rt := mltesting.NewClusterServingRuntime(format, format, 1)
	rt.Spec.Container.Env = []corev1.EnvVar{{Name: "A", Value: "runtime"}, {Name: "B", Value: "runtime"}}
	rt.Spec.Container.Port = 9000
	if _, err := admin.ClusterServingRuntimes().Create(ctx, rt, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.ClusterServingRuntimes().Delete(context.Background(), rt.Name, metav1.DeleteOptions{})
	})

	m := &mlv1alpha1.Model{
		ObjectMeta: metav1.ObjectMeta{Name: "by-format"},
		Spec: mlv1alpha1.ModelSpec{
			Source: mlv1alpha1.ModelSource{URI: "s3://models/by-format"},
			Format: format,
			Runtime: mlv1alpha1.ModelRuntime{
				Env: []corev1.EnvVar{{Name: "B", Value: "model"}, {Name: "C", Value: "model"}},
			},
		},
	}
	if _, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, m, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := e.waitModel(ctx, t, m.Name, "status.runtime set", func(m *mlv1alpha1.Model) bool { return m.Status.Runtime != nil })
	if r := got.Status.Runtime; r.Kind != mlv1alpha1.ClusterServingRuntimeKind || r.Name != rt.Name {
		t.Errorf("status.runtime %+v, want ClusterServingRuntime %s", r, rt.Name)
	}

	checkDeployment := func(when string) {
		t.Helper()
		var c corev1.Container
		eventually(t, servingTimeout, "Deployment "+m.Name, func() (bool, string) {
			d, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, m.Name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			c = d.Spec.Template.Spec.Containers[0]
			return true, ""
		})
		env := map[string]string{}
		for _, v := range c.Env {
			env[v.Name] = v.Value
		}
		if c.Image != mltesting.ServingImage || strings.Join(c.Args, " ") != "--model-dir=/mnt/models" ||
			len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9000 ||
			env["A"] != "runtime" || env["B"] != "model" || env["C"] != "model" || env["ML_MODEL_FORMAT"] != format {
			t.Errorf("%s: server container image=%s args=%v ports=%v env=%v; want the runtime's image, args and port 9000, A=runtime B=model C=model",
				when, c.Image, c.Args, c.Ports, env)
		}
	}
	checkDeployment("by format")

	// Editing the runtime changes no Model admitted with it.
	stored, err := admin.ClusterServingRuntimes().Get(ctx, rt.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored.Spec.Container.Image = "ghcr.io/example/other-server:2"
	if _, err := admin.ClusterServingRuntimes().Update(ctx, stored, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitModel(ctx, t, m.Name, "still observed", func(got *mlv1alpha1.Model) bool {
		return got.Spec.Runtime.Image == mltesting.ServingImage && got.Status.ObservedGeneration == got.Generation
	})
	checkDeployment("after the runtime changed")

	// Deleting it is allowed, with a Warning naming the Model.
	if err := admin.ClusterServingRuntimes().Delete(ctx, rt.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete a runtime in use: %v", err)
	}
	warnings.mu.Lock()
	all := strings.Join(warnings.warnings, "\n")
	warnings.mu.Unlock()
	if want := fmt.Sprintf("%s/%s", e.ns, m.Name); !strings.Contains(all, want) {
		t.Errorf("deleting the runtime warned %q, want a warning naming %s", all, want)
	}
	checkDeployment("after the runtime was deleted")

	// A format no runtime supports: Failed, naming it.
	none := m.DeepCopy()
	none.Name, none.Spec.Format = "no-runtime", format+"-none"
	if _, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, none, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitModel(ctx, t, none.Name, "Failed naming the format", func(got *mlv1alpha1.Model) bool {
		for _, c := range got.Status.Conditions {
			if c.Type == model.ConditionRuntimeResolved && c.Reason == model.ReasonNoServingRuntime && strings.Contains(c.Message, none.Spec.Format) {
				return got.Status.Phase == mlv1alpha1.ModelFailed
			}
		}
		return false
	})
}

// TestClusterServingRuntimeRBAC: every authenticated user reads
// ClusterServingRuntimes, whatever role they have in a namespace; none of
// the aggregated roles writes them (cluster admins do).
func TestClusterServingRuntimeRBAC(t *testing.T) {
	ctx := testContext(t, longTimeout)
	kube := framework.Kube(t, cluster.Config())
	for _, s := range rbacSubjects {
		for _, verb := range objectVerbs {
			want := verb == "get" || verb == "list" || verb == "watch"
			got, err := subjectAccess(ctx, kube, s.user, "", "clusterservingruntimes", "", verb)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s (role %q) %s clusterservingruntimes: allowed=%v, want %v", s.user, s.role, verb, got, want)
			}
		}
	}
}
