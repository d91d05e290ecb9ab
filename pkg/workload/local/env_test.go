package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// readEnvFile waits for the environment a replica wrote to file (env -0
// style, one per line) and returns it as a map.
func readEnvFile(t *testing.T, file string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if data, err := os.ReadFile(file); err == nil {
			env := map[string]string{}
			for _, kv := range strings.Split(string(data), "\n") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
			return env
		}
		if time.Now().After(deadline) {
			t.Fatalf("no environment in %s", file)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dumpEnv writes the environment to file, atomically.
func dumpEnv(file string) string {
	return `env > ` + file + `.tmp && mv ` + file + `.tmp ` + file
}

// TestUserValuesKept checks that only the addresses the controllers
// inject are rewritten: a user value equal to the owner's (and its
// service's) name stays as written.
func TestUserValuesKept(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("train", "1")
	ctx := context.Background()
	if _, err := r.EnsureService(ctx, o, workload.ServiceSpec{Name: "train", Headless: true}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sharedDir(t), "env")
	spec := shReplica("train-0", dumpEnv(file),
		corev1.EnvVar{Name: "RUN_NAME", Value: "train"},
		corev1.EnvVar{Name: "OUTPUT", Value: "train.ns.svc"},
		corev1.EnvVar{Name: "ML_JOB_NAME", Value: "train"},
		corev1.EnvVar{Name: "MASTER_ADDR", Value: "train-0.train.ns.svc"},
		corev1.EnvVar{Name: "PET_RDZV_ENDPOINT", Value: "train-0.train.ns.svc:29500"},
		corev1.EnvVar{Name: "JAX_COORDINATOR_ADDRESS", Value: "train-0.train.ns.svc:29500"},
	)
	if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	env := readEnvFile(t, file)
	for name, want := range map[string]string{"RUN_NAME": "train", "OUTPUT": "train.ns.svc", "ML_JOB_NAME": "train", "MASTER_ADDR": "127.0.0.1"} {
		if env[name] != want {
			t.Errorf("%s=%q, want %q", name, env[name], want)
		}
	}
	for _, name := range []string{"PET_RDZV_ENDPOINT", "JAX_COORDINATOR_ADDRESS"} {
		if !strings.HasPrefix(env[name], "127.0.0.1:") {
			t.Errorf("%s=%q, want 127.0.0.1 and a port", name, env[name])
		}
	}
}

// TestServiceURLHasTheProcessPort checks that a notebook's URL carries
// the port its process listens on (PORT), not the port of its template.
func TestServiceURLHasTheProcessPort(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("nb", "1")
	ctx := context.Background()
	if _, err := r.EnsureService(ctx, o, workload.ServiceSpec{Name: "nb", Selector: map[string]string{"app": "nb"},
		Ports: []corev1.ServicePort{{Name: "http", Port: 8888, TargetPort: intstr.FromString("http")}}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sharedDir(t), "env")
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "nb"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "notebook", Command: []string{"sh", "-c", dumpEnv(file) + "; sleep 300"},
			Env: []corev1.EnvVar{
				{Name: "ML_NOTEBOOK_NAME", Value: "nb"},
				{Name: "ML_NOTEBOOK_URL", Value: "http://nb.ns.svc:8888"},
				{Name: "ML_MODEL_PORT", Value: "8888"},
			},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8888}},
		}}},
	}
	spec := workload.ServedSetSpec{Name: "nb", Replicas: 1, Selector: map[string]string{"app": "nb"}, Template: template, Stable: true, ServiceName: "nb"}
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	env := readEnvFile(t, file)
	if env["PORT"] == "" || env["PORT"] == "8888" {
		t.Fatalf("PORT=%q, want a free port of its own", env["PORT"])
	}
	if want := "http://127.0.0.1:" + env["PORT"]; env["ML_NOTEBOOK_URL"] != want {
		t.Errorf("ML_NOTEBOOK_URL=%q, want %q (the port the notebook listens on)", env["ML_NOTEBOOK_URL"], want)
	}
	if env["ML_MODEL_PORT"] != env["PORT"] {
		t.Errorf("ML_MODEL_PORT=%q, want PORT %q", env["ML_MODEL_PORT"], env["PORT"])
	}
	if env["ML_NOTEBOOK_NAME"] != "nb" {
		t.Errorf("ML_NOTEBOOK_NAME=%q, want nb", env["ML_NOTEBOOK_NAME"])
	}
}
