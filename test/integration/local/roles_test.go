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
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// tfRoles is a replica of a TensorFlow job with roles, with the standard
// library only: it parses TF_CONFIG, checks that its task is its role and
// index, listens on its own address in the cluster, and reaches every
// other member of the cluster there, which must answer as that member.
// Once it has reached every other member and heard from each, it tells
// the chief it is done; the chief exits once every other member is done,
// the workers exit, and the parameter server serves on until it is
// stopped (it notes SIGTERM in MARK_DIR).
const tfRoles = `
import json, os, signal, socket, sys, threading, time
def fail(msg):
    print("FAIL " + msg, flush=True)
    os._exit(1)
e = os.environ
cfg = json.loads(e["TF_CONFIG"])
role, me = cfg["task"]["type"], cfg["task"]["index"]
if role != e["ML_REPLICA_ROLE"] or me != int(e["ML_REPLICA_INDEX"]):
    fail(f"task {role} {me} but replica {e['ML_REPLICA_ROLE']} {e['ML_REPLICA_INDEX']}")
cluster = cfg["cluster"]
if sorted(cluster) != ["chief", "ps", "worker"] or [len(cluster[r]) for r in ("chief", "worker", "ps")] != [1, 2, 1]:
    fail(f"cluster {cluster}")
if len(cluster[role]) != int(e["ML_REPLICAS"]):
    fail(f"{len(cluster[role])} {role} replicas in the cluster, ML_REPLICAS {e['ML_REPLICAS']}")
members = [(r, i, a) for r in sorted(cluster) for i, a in enumerate(cluster[r])]
addrs = [a for _, _, a in members]
if len(set(addrs)) != len(addrs) or not all(a.startswith("127.0.0.1:") for a in addrs):
    fail(f"addresses {addrs}")
others = [(r, i, a) for r, i, a in members if (r, i) != (role, me)]
name = f"{role}-{me}"
with open(os.path.join(e["MARK_DIR"], name), "w") as f:
    f.write(e["TF_CONFIG"] + "\n")
def on_term(*_):
    with open(os.path.join(e["MARK_DIR"], name + ".stopped"), "w") as f:
        f.write("SIGTERM\n")
    os._exit(0)
signal.signal(signal.SIGTERM, on_term)
host, port = cluster[role][me].rsplit(":", 1)
srv = socket.create_server((host, int(port)))
srv.settimeout(1)
heard, done = set(), set()
lock = threading.Lock()
def serve():
    while True:
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
            if len(words) == 4 and words[0] == "hello":
                if (words[2], int(words[3])) != (role, me):
                    fail(f"{words[1]} looked for {words[2]}-{words[3]} at {cluster[role][me]}, the address of {name}")
                conn.sendall(f"{name}\n".encode())
                with lock:
                    heard.add(words[1])
            elif len(words) == 2 and words[0] == "done":
                conn.sendall(b"ok\n")
                with lock:
                    done.add(words[1])
threading.Thread(target=serve, daemon=True).start()
def send(addr, msg):
    deadline = time.time() + 240
    h, p = addr.rsplit(":", 1)
    while True:
        try:
            with socket.create_connection((h, int(p)), timeout=5) as c:
                c.settimeout(10)
                c.sendall(msg.encode())
                return c.makefile().readline().strip()
        except OSError as err:
            if time.time() > deadline:
                fail(f"cannot reach {addr}: {err}")
            time.sleep(0.2)
for r, i, a in others:
    reply = send(a, f"hello {name} {r} {i}\n")
    if reply != f"{r}-{i}":
        fail(f"{a}, the address of {r}-{i}, answered as {reply!r}")
deadline = time.time() + 240
while True:
    with lock:
        if len(heard) == len(others):
            break
    if time.time() > deadline:
        fail(f"heard only from {sorted(heard)}")
    time.sleep(0.1)
print(f"{name}: reached and heard from {len(others)} members", flush=True)
if role != "chief":
    send(cluster["chief"][0], f"done {name}\n")
    if role == "ps":
        while True:
            time.sleep(1)
    sys.exit(0)
while True:
    with lock:
        if len(done) == len(others):
            break
    if time.time() > deadline:
        fail(f"done only {sorted(done)}")
    time.sleep(0.1)
print("chief: every member is done", flush=True)
`

// mpiRoles is a replica of an MPI job with roles. A worker checks its
// variables, notes it is ready and waits to be stopped, as an sshd-less
// worker holding its slots does. The launcher reads the hostfile where
// ML_HOSTFILE and OMPI_MCA_orte_default_hostfile say, checks one line per
// worker with slots=numProcPerNode and the process count, and waits for
// the workers to be ready.
const mpiRoles = `
import os, sys, time
def fail(msg):
    print("FAIL " + msg, flush=True)
    os._exit(1)
e = os.environ
role, me = e["ML_REPLICA_ROLE"], int(e["ML_REPLICA_INDEX"])
hosts = e["ML_HOSTS"].split(",")
if len(hosts) != 2 or e["ML_SLOTS_PER_WORKER"] != "2":
    fail(f"ML_HOSTS {hosts} ML_SLOTS_PER_WORKER {e['ML_SLOTS_PER_WORKER']}")
if role == "worker":
    if "ML_HOSTFILE" in e or int(e["ML_REPLICAS"]) != 2:
        fail(f"worker env: ML_HOSTFILE {e.get('ML_HOSTFILE')} ML_REPLICAS {e['ML_REPLICAS']}")
    open(os.path.join(e["MARK_DIR"], f"worker-{me}"), "w").close()
    print(f"worker {me} ready", flush=True)
    while True:
        time.sleep(1)
if role != "launcher" or me != 0:
    fail(f"role {role} {me}")
path = e["ML_HOSTFILE"]
if path == "/etc/mpi/hostfile" or e["OMPI_MCA_orte_default_hostfile"] != path or e["HYDRA_HOST_FILE"] != path:
    fail(f"hostfile at {path}, OMPI {e['OMPI_MCA_orte_default_hostfile']}, HYDRA {e['HYDRA_HOST_FILE']}")
lines = open(path).read().splitlines()
entries = [l.split() for l in lines]
if len(entries) != 2 or any(len(w) != 2 or w[0] != "127.0.0.1" or w[1] != "slots=2" for w in entries):
    fail(f"hostfile {lines}")
slots = sum(int(w[1].split("=")[1]) for w in entries)
if slots != int(e["ML_NUM_PROCESSES"]) or slots != 4:
    fail(f"{slots} slots, ML_NUM_PROCESSES {e['ML_NUM_PROCESSES']}")
with open(os.path.join(e["MARK_DIR"], "hostfile"), "w") as f:
    f.write("\n".join(lines) + "\n")
deadline = time.time() + 240
while not all(os.path.exists(os.path.join(e["MARK_DIR"], f"worker-{i}")) for i in range(2)):
    if time.time() > deadline:
        fail("the workers are not ready")
    time.sleep(0.1)
print(f"launcher: hostfile of {len(entries)} workers, {slots} slots", flush=True)
`

// TestReplicaRoles runs, as real processes, a TensorFlow job of a chief,
// 2 workers and a parameter server, whose 4 processes parse TF_CONFIG
// and reach each other over TCP, and an MPI job whose launcher reads its
// hostfile with the slots of its 2 workers. Both Succeed with their chief
// or launcher, and the replicas still running then are stopped.
//
// It has a server of its own, with room for every replica at once, as
// TestTorchrunProcessesPerReplica.
func TestReplicaRoles(t *testing.T) {
	srv := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.LocalRuntime.MaxProcesses = 8
	})
	run := func(t *testing.T, name string, job *mlv1alpha1.TrainingJob) (*mlv1alpha1.TrainingJob, string) {
		t.Helper()
		ctx := t.Context()
		jobs := srv.Clientset().MlV1alpha1().TrainingJobs(job.Namespace)
		if _, err := jobs.Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var done *mlv1alpha1.TrainingJob
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
			j, err := jobs.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			done = j
			return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed, nil
		})
		if err != nil {
			t.Fatalf("job %s did not end: %v; last status %+v", name, err, done)
		}
		log, err := srv.Clientset().MlV1alpha1().RESTClient().Get().Namespace(job.Namespace).Resource("trainingjobs").Name(name).SubResource("log").DoRaw(ctx)
		if err != nil {
			log = []byte("(no log: " + err.Error() + ")")
		}
		return done, string(log)
	}
	waitFile := func(t *testing.T, path string) {
		t.Helper()
		err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
			_, err := os.Stat(path)
			return err == nil, nil
		})
		if err != nil {
			t.Errorf("no %s: %v", path, err)
		}
	}

	t.Run("TensorFlow", func(t *testing.T) {
		marks := framework.SharedDir(t)
		job := &mlv1alpha1.TrainingJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: framework.NewNamespace(t), Name: "tf"},
			Spec: mlv1alpha1.TrainingJobSpec{
				Framework:    mlv1alpha1.FrameworkTensorFlow,
				Replicas:     ptr.To[int32](2),
				BackoffLimit: ptr.To[int32](0),
				Roles: []mlv1alpha1.ReplicaRole{
					{Name: mlv1alpha1.RoleChief},
					{Name: mlv1alpha1.RoleWorker},
					{Name: mlv1alpha1.RolePS, Replicas: ptr.To[int32](1)},
				},
				ContainerSpec: mlv1alpha1.ContainerSpec{
					Image:   "tensorflow/tensorflow:2.18.0",
					Command: []string{"/usr/bin/python3", "-c", tfRoles},
					Env:     []corev1.EnvVar{{Name: "MARK_DIR", Value: marks}},
				},
			},
		}
		done, log := run(t, "tf", job)
		if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
			t.Fatalf("job ended %s, want Succeeded; status %+v; log:\n%s", done.Status.Phase, done.Status, log)
		}
		for _, want := range []string{
			"[chief-0] chief-0: reached and heard from 3 members",
			"[worker-0] worker-0: reached and heard from 3 members",
			"[worker-1] worker-1: reached and heard from 3 members",
			"[ps-0] ps-0: reached and heard from 3 members",
			"[chief-0] chief: every member is done",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
		// Every member saw the same cluster.
		var first string
		for _, m := range []string{"chief-0", "worker-0", "worker-1", "ps-0"} {
			data, err := os.ReadFile(filepath.Join(marks, m))
			if err != nil {
				t.Fatal(err)
			}
			cluster := strings.SplitN(string(data), `"task"`, 2)[0]
			if first == "" {
				first = cluster
			} else if cluster != first {
				t.Errorf("%s saw cluster %s, chief-0 %s", m, cluster, first)
			}
		}
		// The parameter server, still serving when the chief ended, is
		// stopped (cleanPodPolicy Running).
		waitFile(t, filepath.Join(marks, "ps-0.stopped"))
	})

	// The example of artifacts/examples/local/roles runs as it says.
	t.Run("example", func(t *testing.T) {
		var job mlv1alpha1.TrainingJob
		readExample(t, "roles/tf-roles.yaml", &job)
		job.Namespace = framework.NewNamespace(t)
		done, log := run(t, job.Name, &job)
		if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
			t.Fatalf("example job ended %s, want Succeeded; status %+v; log:\n%s", done.Status.Phase, done.Status, log)
		}
		for _, want := range []string{"[chief-0] chief-0: met all 3 other members", "[ps-0] ps-0: met all 3 other members", "[chief-0] step=5 loss="} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
	})

	t.Run("MPI", func(t *testing.T) {
		marks := framework.SharedDir(t)
		job := &mlv1alpha1.TrainingJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: framework.NewNamespace(t), Name: "mpi"},
			Spec: mlv1alpha1.TrainingJobSpec{
				Framework:      mlv1alpha1.FrameworkMPI,
				Replicas:       ptr.To[int32](2),
				NumProcPerNode: ptr.To[int32](2),
				BackoffLimit:   ptr.To[int32](0),
				Roles: []mlv1alpha1.ReplicaRole{
					{Name: mlv1alpha1.RoleLauncher, ContainerSpec: mlv1alpha1.ContainerSpec{Env: []corev1.EnvVar{{Name: "MPI_ROLE_ENV", Value: "launcher"}}}},
					{Name: mlv1alpha1.RoleWorker},
				},
				ContainerSpec: mlv1alpha1.ContainerSpec{
					Command: []string{"/usr/bin/python3", "-c", mpiRoles},
					Env:     []corev1.EnvVar{{Name: "MARK_DIR", Value: marks}},
				},
			},
		}
		done, log := run(t, "mpi", job)
		if done.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
			t.Fatalf("job ended %s, want Succeeded; status %+v; log:\n%s", done.Status.Phase, done.Status, log)
		}
		for _, want := range []string{"[worker-0] worker 0 ready", "[worker-1] worker 1 ready", "[launcher-0] launcher: hostfile of 2 workers, 4 slots"} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		}
		hostfile, err := os.ReadFile(filepath.Join(marks, "hostfile"))
		if err != nil {
			t.Fatal(err)
		}
		if want := "127.0.0.1 slots=2\n127.0.0.1 slots=2\n"; string(hostfile) != want {
			t.Errorf("hostfile %q, want %q", hostfile, want)
		}
		if c := findCondition(done, "Complete"); c == nil || c.Message != "The launcher succeeded" {
			t.Errorf("Complete condition %+v", c)
		}
	})
}

func findCondition(j *mlv1alpha1.TrainingJob, condType string) *metav1.Condition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == condType {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}
