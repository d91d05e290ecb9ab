package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestLocalValueHostPorts(t *testing.T) {
	hostPorts := map[string]int{"job-0": 41234, "job-1": 41235, "job-2": 41236}
	services := []localService{{
		name:  "job",
		ports: map[int32]int{29500: 41234},
		hostPort: func(host string, p int32) (int, bool) {
			if p != 29500 {
				return 0, false
			}
			hp, ok := hostPorts[host]
			return hp, ok
		},
	}}
	cases := []struct{ name, in, want string }{
		{"TF_CONFIG",
			`{"cluster":{"worker":["job-0.job.ns.svc:29500","job-1.job.ns.svc:29500","job-2.job.ns.svc:29500"]},"task":{"type":"worker","index":1}}`,
			`{"cluster":{"worker":["127.0.0.1:41234","127.0.0.1:41235","127.0.0.1:41236"]},"task":{"type":"worker","index":1}}`},
		{"PEERS", "job-1.job:29500,job-2.job.ns.svc.cluster.local:29500", "127.0.0.1:41235,127.0.0.1:41236"},
		{"PET_RDZV_ENDPOINT", "job-0.job.ns.svc:29500", "127.0.0.1:41234"},
		// The service itself and *PORT variables have the service's port.
		{"ADDR", "job:29500", "127.0.0.1:41234"},
		{"ADDR", "job.ns.svc:29500", "127.0.0.1:41234"},
		{"MASTER_PORT", "29500", "41234"},
		// A port the service does not have, or no port, stays as it is.
		{"ADDR", "job-1.job:8080", "127.0.0.1:8080"},
		{"ADDR", "job-1.job", "127.0.0.1"},
		{"ADDR", "job-1.job:99999999999", "127.0.0.1:99999999999"},
		// Not a host of the service.
		{"ADDR", "job-1.other:29500", "job-1.other:29500"},
	}
	for _, tc := range cases {
		if got := localValue(tc.name, tc.in, "ns", services); got != tc.want {
			t.Errorf("localValue(%s=%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// tfConfig is TF_CONFIG as the TrainingJob controller writes it for
// replica index of a job of n workers.
func tfConfig(job string, n, index int) string {
	var workers []string
	for i := range n {
		workers = append(workers, fmt.Sprintf("%q", fmt.Sprintf("%s-%d.%s.ns.svc:29500", job, i, job)))
	}
	return fmt.Sprintf(`{"cluster":{"worker":[%s]},"task":{"type":"worker","index":%d}}`, strings.Join(workers, ","), index)
}

type tfConfigJSON struct {
	Cluster struct {
		Worker []string `json:"worker"`
	} `json:"cluster"`
	Task struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
	} `json:"task"`
}

// startTFWorkers starts replicas <job>-<i> of o that write their TF_CONFIG
// and MASTER_PORT into out, named by the replica.
func startTFWorkers(t *testing.T, r *Runtime, o workload.Owner, out string, n int, indexes ...int) {
	t.Helper()
	for _, i := range indexes {
		name := fmt.Sprintf("%s-%d", o.Name, i)
		file := filepath.Join(out, name)
		_ = os.Remove(file)
		spec := shReplica(name, fmt.Sprintf(`printf '%%s\n%%s\n' "$MASTER_PORT" "$TF_CONFIG" > %[1]s.tmp && mv %[1]s.tmp %[1]s`, file),
			corev1.EnvVar{Name: "MASTER_PORT", Value: "29500"},
			corev1.EnvVar{Name: "TF_CONFIG", Value: tfConfig(o.Name, n, i)},
		)
		if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
			t.Fatal(err)
		}
	}
}

// readTFConfig waits for what replica name wrote into out.
func readTFConfig(t *testing.T, out, name string) (masterPort string, c tfConfigJSON) {
	t.Helper()
	file := filepath.Join(out, name)
	var data []byte
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if data, err = os.ReadFile(file); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	masterPort, config, ok := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if !ok {
		t.Fatalf("replica %s wrote %q", name, data)
	}
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		t.Fatalf("TF_CONFIG of %s %q: %v", name, config, err)
	}
	return masterPort, c
}

// Every worker of a TensorFlow job gets a port of its own in TF_CONFIG,
// the same in every replica's, kept when a replica is replaced, and
// released with the job.
func TestTFConfigPortPerWorker(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	ctx := context.Background()
	out := sharedDir(t)
	svc := func(name string) workload.ServiceSpec {
		return workload.ServiceSpec{Name: name, Headless: true, Selector: map[string]string{"job": name},
			Ports: []corev1.ServicePort{{Name: "rendezvous", Port: 29500}}}
	}
	o := owner("job", "1")
	if _, err := r.EnsureService(ctx, o, svc("job")); err != nil {
		t.Fatal(err)
	}
	const n = 3
	startTFWorkers(t, r, o, out, n, 0, 1, 2)
	var cluster []string
	var masterPort string
	for i := range n {
		name := fmt.Sprintf("job-%d", i)
		mp, c := readTFConfig(t, out, name)
		if c.Task.Type != "worker" || c.Task.Index != i {
			t.Errorf("%s: task %+v, want worker %d", name, c.Task, i)
		}
		if i == 0 {
			cluster, masterPort = c.Cluster.Worker, mp
			continue
		}
		if diff := cmp.Diff(cluster, c.Cluster.Worker); diff != "" {
			t.Errorf("%s sees another cluster than job-0 (-job-0 +%s):\n%s", name, name, diff)
		}
		if mp != masterPort {
			t.Errorf("%s: MASTER_PORT %s, job-0 has %s", name, mp, masterPort)
		}
	}
	if len(cluster) != n {
		t.Fatalf("cluster %v: want %d workers", cluster, n)
	}
	ports := map[string]bool{}
	for _, w := range cluster {
		host, port, _ := strings.Cut(w, ":")
		if p, err := strconv.Atoi(port); host != "127.0.0.1" || err != nil || p <= 0 || p == 29500 {
			t.Errorf("worker address %q: want 127.0.0.1 and a port given here", w)
		}
		if ports[port] {
			t.Errorf("cluster %v: port %s given twice", cluster, port)
		}
		ports[port] = true
	}
	if want := "127.0.0.1:" + masterPort; cluster[0] != want {
		t.Errorf("worker 0 at %s, want the master's address %s", cluster[0], want)
	}

	// A replaced worker gets the cluster the others have: its own port
	// is kept, so they still reach it.
	if err := r.DeleteReplica(ctx, o, "job-1", ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if list, _ := r.ListReplicas(o); names(list) == "job-0,job-2" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if list, _ := r.ListReplicas(o); names(list) != "job-0,job-2" {
		t.Fatalf("replicas %s after deleting job-1", names(list))
	}
	startTFWorkers(t, r, o, out, n, 1)
	if _, c := readTFConfig(t, out, "job-1"); !cmp.Equal(cluster, c.Cluster.Worker) || c.Task.Index != 1 {
		t.Errorf("replaced job-1 sees %v as worker %d, want %v as worker 1", c.Cluster.Worker, c.Task.Index, cluster)
	}

	// Another job at once: none of the ports of the first.
	other := owner("other", "2")
	if _, err := r.EnsureService(ctx, other, svc("other")); err != nil {
		t.Fatal(err)
	}
	startTFWorkers(t, r, other, out, 2, 0, 1)
	for i := range 2 {
		_, c := readTFConfig(t, out, fmt.Sprintf("other-%d", i))
		for _, w := range c.Cluster.Worker {
			if _, port, _ := strings.Cut(w, ":"); ports[port] {
				t.Errorf("job other has worker %s on a port of job job (%v)", w, cluster)
			}
		}
	}

	// The job goes: so do its ports.
	r.ForgetOwner(ctx, o)
	r.mu.Lock()
	_, kept := r.services[cache.ObjectName{Namespace: "ns", Name: "job"}]
	var given []string
	for p := range ports {
		if n, _ := strconv.Atoi(p); r.portGivenLocked(n) {
			given = append(given, p)
		}
	}
	r.mu.Unlock()
	if kept || len(given) != 0 {
		t.Errorf("after the job went: service kept %v, ports still given %v", kept, given)
	}
}
