package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// torchRendezvous is a worker of a torchrun-style job with the standard
// library only: it checks the variables torchrun gives each process, then
// rank 0 listens at MASTER_ADDR:MASTER_PORT until every other rank has
// reported, and answers each once all have.
const torchRendezvous = `
import os, socket, sys, time
def fail(msg):
    print("FAIL " + msg, flush=True)
    os._exit(1)
e = os.environ
rank, local, world, lworld = int(e["RANK"]), int(e["LOCAL_RANK"]), int(e["WORLD_SIZE"]), int(e["LOCAL_WORLD_SIZE"])
node = int(e["ML_REPLICA_INDEX"])
if world != 4 or lworld != 2 or e["PET_NPROC_PER_NODE"] != "2" or e["PET_NNODES"] != "2":
    fail(f"WORLD_SIZE {world} LOCAL_WORLD_SIZE {lworld} PET_NPROC_PER_NODE {e['PET_NPROC_PER_NODE']} PET_NNODES {e['PET_NNODES']}")
if rank != node * lworld + local or int(e["GROUP_RANK"]) != node:
    fail(f"RANK {rank} LOCAL_RANK {local} GROUP_RANK {e['GROUP_RANK']} on node {node}")
with open(os.path.join(e["MARK_DIR"], f"rank-{rank}"), "w") as f:
    f.write(f"{node} {local}\n")
addr, port = e["MASTER_ADDR"], int(e["MASTER_PORT"])
deadline = time.time() + 240
if rank == 0:
    srv = socket.create_server((addr, port))
    srv.settimeout(1)
    conns = {}
    while len(conns) < world - 1:
        if time.time() > deadline:
            fail(f"heard only from ranks {sorted(conns)}")
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        c.settimeout(10)
        r = int(c.makefile().readline())
        if r in conns or not 0 < r < world:
            fail(f"rank {r} reported twice or is out of range")
        conns[r] = c
    for c in conns.values():
        c.sendall(b"go\n")
        c.close()
else:
    while True:
        try:
            with socket.create_connection((addr, port), timeout=5) as c:
                c.settimeout(240)
                c.sendall(f"{rank}\n".encode())
                if c.makefile().readline().strip() != "go":
                    fail("rank 0 did not answer")
            break
        except OSError as err:
            if time.time() > deadline:
                fail(f"cannot reach rank 0 at {addr}:{port}: {err}")
            time.sleep(0.2)
print(f"rank {rank} of {world}: rendezvous complete", flush=True)
`

// TestTorchrunProcessesPerReplica: a PyTorch job of 2 replicas with
// numProcPerNode 2 runs 2 processes per replica, each with the RANK,
// LOCAL_RANK and WORLD_SIZE torchrun would give it; the 4 meet at
// MASTER_ADDR:MASTER_PORT and the job Succeeds.
//
// It has a server of its own: its 4 processes must run at once, and the
// package's server may have fewer free process slots, held by what earlier
// tests left running.
func TestTorchrunProcessesPerReplica(t *testing.T) {
	srv := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
	ns := framework.NewNamespace(t)
	ctx := t.Context()
	marks := framework.SharedDir(t)
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "torch"},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework:      mlv1alpha1.FrameworkPyTorch,
			Replicas:       ptr.To[int32](2),
			NumProcPerNode: ptr.To[int32](2),
			BackoffLimit:   ptr.To[int32](0),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Command: []string{"/usr/bin/python3", "-c", torchRendezvous},
				Env:     []corev1.EnvVar{{Name: "MARK_DIR", Value: marks}},
			},
		},
	}
	jobs := srv.Clientset().MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var done *mlv1alpha1.TrainingJob
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		j, err := jobs.Get(ctx, "torch", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		done = j
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed, nil
	})
	if err != nil {
		t.Fatalf("job torch did not end: %v; last status %+v", err, done)
	}
	log, err := srv.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("torch").SubResource("log").DoRaw(ctx)
	if err != nil {
		log = []byte("(no log: " + err.Error() + ")")
	}
	if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded || done.Status.Succeeded != 2 {
		t.Fatalf("job ended %s with %d succeeded, want Succeeded with 2; log:\n%s", done.Status.Phase, done.Status.Succeeded, log)
	}
	var ranks []string
	for rank := range 4 {
		data, err := os.ReadFile(filepath.Join(marks, fmt.Sprintf("rank-%d", rank)))
		if err != nil {
			t.Errorf("rank %d did not run: %v", rank, err)
			continue
		}
		ranks = append(ranks, strings.TrimSpace(string(data)))
	}
	if want := []string{"0 0", "0 1", "1 0", "1 1"}; !slices.Equal(ranks, want) {
		t.Errorf("node and local rank of ranks 0-3: %q, want %q", ranks, want)
	}
}
