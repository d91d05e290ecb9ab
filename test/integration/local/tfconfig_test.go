package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// tfRendezvous is a TensorFlow worker with the standard library only: it
// reads TF_CONFIG, listens on its own address in the cluster and connects
// to every other worker's, which must answer as the worker of that index.
// It exits 0 once it reached every other worker and heard from each.
// Worker 1 fails its first run before it listens: its replacement must
// listen where the others, started before, look for it.
const tfRendezvous = `
import json, os, socket, sys, threading, time
def fail(msg):
    print("FAIL " + msg, flush=True)
    os._exit(1)
cfg = json.loads(os.environ["TF_CONFIG"])
workers, me = cfg["cluster"]["worker"], cfg["task"]["index"]
if cfg["task"]["type"] != "worker":
    fail("task type " + cfg["task"]["type"])
if me != int(os.environ["ML_REPLICA_INDEX"]) or me != int(os.environ.get("RANK", me)):
    fail(f"task index {me} but replica index {os.environ['ML_REPLICA_INDEX']}")
if len(workers) != int(os.environ["ML_REPLICAS"]) or len(set(workers)) != len(workers):
    fail(f"cluster {workers} for {os.environ['ML_REPLICAS']} replicas")
marker = os.path.join(os.environ["MARK_DIR"], f"worker-{me}")
first = not os.path.exists(marker)
with open(marker, "a") as f:
    f.write(os.environ["TF_CONFIG"] + "\n")
if me == 1 and first:
    fail("the first run of worker 1 fails on purpose")
host, port = workers[me].rsplit(":", 1)
srv = socket.create_server((host, int(port)))
srv.settimeout(1)
heard = set()
def serve():
    while len(heard) < len(workers) - 1:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(10)
            try:
                words = conn.makefile().readline().split()
            except OSError:
                continue
            if len(words) != 2:
                continue
            src, dst = int(words[0]), int(words[1])
            if dst != me:
                fail(f"worker {src} looked for worker {dst} at {workers[me]}, the address of worker {me}")
            conn.sendall(f"{me}\n".encode())
            heard.add(src)
server = threading.Thread(target=serve, daemon=True)
server.start()
deadline = time.time() + 240
for j, addr in enumerate(workers):
    if j == me:
        continue
    h, p = addr.rsplit(":", 1)
    while True:
        try:
            with socket.create_connection((h, int(p)), timeout=5) as c:
                c.settimeout(10)
                c.sendall(f"{me} {j}\n".encode())
                reply = c.makefile().readline().strip()
            if reply != str(j):
                fail(f"{addr}, worker {j}'s address, answered as worker {reply!r}")
            break
        except OSError as e:
            if time.time() > deadline:
                fail(f"cannot reach worker {j} at {addr}: {e}")
            time.sleep(0.2)
    print(f"reached worker {j} at {addr}", flush=True)
server.join(max(0, deadline - time.time()))
if server.is_alive():
    fail(f"heard only from workers {sorted(heard)}")
print(f"worker {me}: rendezvous of {len(workers)} complete", flush=True)
`

// The workers of a TensorFlow job each listen on the address TF_CONFIG
// gives them and reach each other there, a replaced worker included.
func TestTensorFlowWorkersRendezvous(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	marks := framework.SharedDir(t)
	const replicas = 3
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tf"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework:    mlv1alpha1.FrameworkTensorFlow,
			Replicas:     ptr.To[int32](replicas),
			BackoffLimit: ptr.To[int32](1),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "tensorflow/tensorflow:2.18.0",
				Command: []string{"python3", "-c", tfRendezvous},
				Env:     []corev1.EnvVar{{Name: "MARK_DIR", Value: marks}},
			},
		},
	}
	jobs := server.Clientset().MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, ns, "tf", 5*time.Minute, func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed
	})
	log, err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("tf").SubResource("log").DoRaw(ctx)
	if err != nil {
		log = []byte("(no log: " + err.Error() + ")")
	}
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded || done.Status.Succeeded != replicas || done.Status.Restarts != 1 {
		t.Fatalf("job ended %s with %d succeeded and %d restarts, want Succeeded with %d and the 1 restart of worker 1; log:\n%s",
			done.Status.Phase, done.Status.Succeeded, done.Status.Restarts, replicas, log)
	}
	for i := range replicas {
		if want := fmt.Sprintf("worker %d: rendezvous of %d complete", i, replicas); !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	// Every run saw the same cluster: worker 1 twice, on its replacement too.
	type tfConfig struct {
		Cluster map[string][]string `json:"cluster"`
	}
	var first []string
	for i := range replicas {
		data, err := os.ReadFile(filepath.Join(marks, fmt.Sprintf("worker-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		runs := strings.Split(strings.TrimSpace(string(data)), "\n")
		if want := map[bool]int{true: 2, false: 1}[i == 1]; len(runs) != want {
			t.Errorf("worker %d ran %d times, want %d", i, len(runs), want)
		}
		for _, run := range runs {
			var c tfConfig
			if err := json.Unmarshal([]byte(run), &c); err != nil {
				t.Fatalf("TF_CONFIG %q: %v", run, err)
			}
			if first == nil {
				first = c.Cluster["worker"]
			}
			if diff := cmp.Diff(first, c.Cluster["worker"]); diff != "" {
				t.Errorf("worker %d saw another cluster (-first +its):\n%s", i, diff)
			}
		}
	}
	for _, w := range first {
		if !strings.HasPrefix(w, "127.0.0.1:") {
			t.Errorf("worker address %q, want 127.0.0.1 and a port of its own", w)
		}
	}
}
