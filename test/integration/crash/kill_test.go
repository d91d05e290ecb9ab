package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

const (
	creates = 100
	kills   = 20
)

// 20 kill -9s of the server at random moments during 100 creates of
// one-replica jobs: after each restart every replica runs exactly once,
// the process its predecessor started included.
func TestKillNineLeavesOneProcessPerReplica(t *testing.T) {
	data := t.TempDir()
	workloads := filepath.Join(data, "workloads")
	t.Cleanup(func() { killMarked(workloads) })
	s := &serverProcess{t: t, data: data, port: freePort(t), launcher: buildLauncher(t)}
	s.start()
	t.Cleanup(s.stop)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	killAt := map[int]bool{}
	for len(killAt) < kills {
		killAt[rng.IntN(creates)] = true
	}
	ctx := context.Background()
	for i := range creates {
		job := sleeper(fmt.Sprintf("job-%d", i))
		if _, err := s.client().MlV1alpha1().TrainingJobs("default").Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", job.Name, err)
		}
		if !killAt[i] {
			continue
		}
		// Somewhere while the controllers start its process.
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		s.kill()
		s.start()
		waitOnePerReplica(t, workloads, i+1)
	}
	waitOnePerReplica(t, workloads, creates)
}

// sleeper is a job of one replica that runs until it is stopped.
func sleeper(name string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas: ptr.To[int32](1),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image: "ignored", Command: []string{"sleep", "600"},
			},
		},
	}
}

// waitOnePerReplica waits until the processes of the runtime directory
// are n replicas of one process each. A replica that runs twice runs so
// until it is stopped: it never passes.
func waitOnePerReplica(t *testing.T, workloads string, n int) {
	t.Helper()
	var last map[string][]int
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		last = local.Processes(workloads)
		if len(last) != n {
			return false, nil
		}
		for _, pids := range last {
			if len(pids) != 1 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		var twice []string
		for replica, pids := range last {
			if len(pids) > 1 {
				twice = append(twice, fmt.Sprintf("%s: %v", replica, pids))
			}
		}
		sort.Strings(twice)
		t.Fatalf("want %d replicas of one process each, have %d replicas; more than one process: %v", n, len(last), twice)
	}
}

// killMarked kills what a failed test leaves of the runtime's processes.
func killMarked(workloads string) {
	for _, pids := range local.Processes(workloads) {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// buildLauncher builds the small launcher binary, so that the hundreds of
// processes restarted do not each start the whole server binary.
func buildLauncher(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ml-apiserver-launch")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/ml-apiserver-launch")
	cmd.Dir = "../../.."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the launcher: %v\n%s", err, b)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serverProcess is ml-apiserver --standalone as a process of its own.
type serverProcess struct {
	t        *testing.T
	data     string
	port     int
	launcher string
	cmd      *exec.Cmd
	cs       mlclientset.Interface
}

func (s *serverProcess) start() {
	s.t.Helper()
	args, _ := json.Marshal([]string{
		"--standalone", "--data-dir", s.data, "--secure-port", strconv.Itoa(s.port),
		"--controllers", "*", "--local-launcher", s.launcher,
		// Every replica runs at once: the test counts them all.
		"--local-max-processes", strconv.Itoa(creates + 10),
	})
	log, err := os.OpenFile(filepath.Join(s.t.TempDir(), "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	s.cmd = exec.Command("/proc/self/exe")
	s.cmd.Env = append(os.Environ(), serverArgsEnv+"="+string(args))
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	var cfg *rest.Config
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if cfg == nil {
			c, err := clientcmd.BuildConfigFromFlags("", filepath.Join(s.data, "kubeconfig"))
			if err != nil {
				return false, nil
			}
			cfg = c
		}
		client, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return false, err
		}
		resp, err := client.Get(cfg.Host + "/readyz")
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		s.t.Fatalf("the server (log %s) did not get ready: %v", log.Name(), err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	s.cs = mlclientset.NewForConfigOrDie(cfg)
}

func (s *serverProcess) client() mlclientset.Interface { return s.cs }

// kill is kill -9.
func (s *serverProcess) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// stop stops the server as a user does, which stops its processes.
func (s *serverProcess) stop() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		s.kill()
	}
}
