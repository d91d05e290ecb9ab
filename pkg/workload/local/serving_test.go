package local

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// server is a template that serves "<greeting> from $HOSTNAME" over HTTP
// on $PORT, ready on /ready.
func server(greeting string) corev1.PodTemplateSpec {
	script := `import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (os.environ["GREETING"] + " from " + os.environ["HOSTNAME"]).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()`
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "m"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "server", Image: "ignored", Command: []string{"python3", "-c", script},
			Env:            []corev1.EnvVar{{Name: "GREETING", Value: greeting}, {Name: "PORT", Value: "8080"}},
			Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}},
		}}},
	}
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
}

func waitSet(t *testing.T, r *Runtime, o workload.Owner, cond func(workload.ServedSetStatus) bool) workload.ServedSetStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last workload.ServedSetStatus
	for time.Now().Before(deadline) {
		sets, err := r.ListServedSets(o)
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) == 1 {
			last = sets[0]
			if cond(last) {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("set never reached the condition; last %+v", last)
	return last
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestServedSetBehindService(t *testing.T) {
	needPython(t)
	r := newRuntime(t, t.TempDir())
	o := owner("model", "1")
	ctx := context.Background()
	if _, err := r.EnsureService(ctx, o, workload.ServiceSpec{Name: "model", Selector: map[string]string{"app": "m"},
		Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}); err != nil {
		t.Fatal(err)
	}
	addr, ok := r.ServiceAddress(o, "model", 80)
	if !ok {
		t.Fatal("no address for the service")
	}
	spec := workload.ServedSetSpec{Name: "model", Replicas: 2, Selector: map[string]string{"app": "m"}, Template: server("hello")}
	if change, err := r.EnsureServedSet(ctx, o, spec); err != nil || change != workload.SetCreated {
		t.Fatalf("EnsureServedSet = %q, %v", change, err)
	}
	if change, err := r.EnsureServedSet(ctx, o, spec); err != nil || change != workload.SetUnchanged {
		t.Fatalf("EnsureServedSet again = %q, %v", change, err)
	}
	s := waitSet(t, r, o, func(s workload.ServedSetStatus) bool { return s.ReadyReplicas == 2 })
	if !s.Available || s.UpdatedReplicas != 2 || s.CurrentReplicas != 2 {
		t.Errorf("status %+v", s)
	}
	seen := map[string]bool{}
	for range 6 {
		seen[get(t, "http://"+addr+"/")] = true
	}
	if !seen["hello from model-0"] || !seen["hello from model-1"] || len(seen) != 2 {
		t.Errorf("the service reached %v: want both replicas", seen)
	}

	// Scale down: the highest ordinal stops.
	spec.Replicas = 1
	if change, _ := r.EnsureServedSet(ctx, o, spec); change != workload.SetUpdated {
		t.Errorf("scale: change %q", change)
	}
	waitSet(t, r, o, func(s workload.ServedSetStatus) bool { return s.CurrentReplicas == 1 && s.ReadyReplicas == 1 })
	if names := names(r.SetReplicas(o, "model")); names != "model-0" {
		t.Errorf("replicas after scale down: %s", names)
	}

	// A new template replaces the replicas.
	spec.Template = server("bonjour")
	if change, _ := r.EnsureServedSet(ctx, o, spec); change != workload.SetUpdated {
		t.Errorf("template: change %q", change)
	}
	deadline := time.Now().Add(30 * time.Second)
	for tryGet("http://"+addr+"/") != "bonjour from model-0" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := get(t, "http://"+addr+"/"); got != "bonjour from model-0" {
		t.Errorf("after the template change the service answers %q", got)
	}

	if err := r.DeleteServedSet(ctx, o, "model", ""); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if sets, _ := r.ListServedSets(o); len(sets) == 0 {
			break
		}
	}
	if sets, _ := r.ListServedSets(o); len(sets) != 0 {
		t.Errorf("sets after delete: %v", sets)
	}
}

// tryGet is the body of a GET, "" when it fails (no ready replica).
func tryGet(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func names(list []workload.ReplicaStatus) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

func TestStableSetKeepsItsVolume(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("nb", "1")
	ctx := context.Background()
	if created, err := r.EnsureVolume(ctx, o, workload.VolumeSpec{Name: "nb-workspace", Size: resource.MustParse("1Gi")}); err != nil || !created {
		t.Fatalf("EnsureVolume = %v, %v", created, err)
	}
	vols, _ := r.ListVolumes(o)
	if len(vols) != 1 || vols[0].Phase != workload.VolumeBound {
		t.Fatalf("volumes %+v", vols)
	}
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Volumes: []corev1.Volume{{Name: "ws", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "nb-workspace"}}}},
		Containers: []corev1.Container{{Name: "nb", Command: []string{"sh", "-c", `echo run >> runs; pwd > where; sleep 300`},
			VolumeMounts: []corev1.VolumeMount{{Name: "ws", MountPath: "/home/jovyan"}}}},
	}}
	spec := workload.ServedSetSpec{Name: "nb", Replicas: 1, Stable: true, Template: tmpl}
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	waitSet(t, r, o, func(s workload.ServedSetStatus) bool { return s.ReadyReplicas == 1 && s.Available })
	r.mu.Lock()
	dir := r.volumes[keyOf("nb-workspace")].dir
	r.mu.Unlock()
	waitFile(t, filepath.Join(dir, "where"))

	// Stop (0 replicas) and start again: the same directory, its data kept.
	spec.Replicas = 0
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	waitSet(t, r, o, func(s workload.ServedSetStatus) bool { return s.CurrentReplicas == 0 })
	spec.Replicas = 1
	if _, err := r.EnsureServedSet(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, _ := os.ReadFile(filepath.Join(dir, "runs")); string(data) == "run\nrun\n" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "runs")); string(data) != "run\nrun\n" {
		t.Errorf("runs file %q: want one line per start in the same volume", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "where")); strings.TrimSpace(string(data)) != dir {
		t.Errorf("working directory %q, want the volume %s", data, dir)
	}

	// The owner goes: its replicas, sets and volumes go.
	r.ForgetOwner(ctx, o)
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("volume directory left after the owner went: %v", err)
	}
	if sets, _ := r.ListServedSets(o); len(sets) != 0 {
		t.Errorf("sets left: %v", sets)
	}
}

func keyOf(name string) (k struct{ Namespace, Name string }) {
	k.Namespace, k.Name = "ns", name
	return k
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}

func TestRestartInPlace(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	spec := shReplica("flaky", `echo attempt; exit 1`)
	spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, o, "flaky", func(s workload.ReplicaStatus) bool { return s.Restarts >= 2 })
	if s.Finished() {
		t.Errorf("a replica restarting on failure must not end: %+v", s)
	}
	dir := replicaDir(t, r, "flaky")
	// The third run may still be writing its line when the second restart
	// is counted; a log truncated at restart never gets past one line.
	var data []byte
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, _ = os.ReadFile(LogPath(dir)); strings.Count(string(data), "stdout F attempt") >= 3 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("log has %d attempts, want every run appended:\n%s", strings.Count(string(data), "stdout F attempt"), data)
}
