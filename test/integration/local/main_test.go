// Package local tests standalone mode with its controllers on: objects run
// as real host processes of the local runtime.
package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	// The local runtime starts this test binary as the launcher of its
	// confined processes.
	launcher.RunIfLauncher()
	// The examples write under ExamplesDir, which other test packages
	// empty: it is this package's until the process exits.
	if _, err := framework.HoldExamplesDir(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		// As make run: the examples share files there.
		o.Local.ReadWritePaths = append(o.Local.ReadWritePaths, framework.ExamplesDir)
		// Long enough that TestFailedReplicasBackOff tells a back-off from
		// the controllers' own pace; tests with failures keep backoffLimit low.
		o.Controllers.Backoff = options.BackoffOptions{Base: replicaBackoff, Max: 4 * replicaBackoff}
		// Small, so that TestArtifactOverCapFailsTask passes it with 2 MiB.
		o.Artifacts.MaxBytes = maxArtifactBytes
	})
}

// examplesDir is artifacts/examples/local of the repository.
const examplesDir = "../../../artifacts/examples/local"

// readExample decodes the example file into obj.
func readExample(t *testing.T, file string, obj any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// waitJob waits until the job satisfies cond and returns it.
func waitJob(t *testing.T, ns, name string, timeout time.Duration, cond func(*mlv1alpha1.TrainingJob) bool) *mlv1alpha1.TrainingJob {
	t.Helper()
	var last *mlv1alpha1.TrainingJob
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		j, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = j
		return cond(j), nil
	})
	if err != nil {
		t.Fatalf("job %s/%s: %v; last status %+v", ns, name, err, last.Status)
	}
	return last
}

func phase(p mlv1alpha1.TrainingJobPhase) func(*mlv1alpha1.TrainingJob) bool {
	return func(j *mlv1alpha1.TrainingJob) bool { return j.Status.Phase == p }
}

// alive says whether a process runs (a zombie does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// pids reads the pid files the replicas of a test write, by name.
func pids(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			out[e.Name()] = pid
		}
	}
	return out
}

// waitPIDs waits until the pid files of names exist.
func waitPIDs(t *testing.T, dir string, names ...string) map[string]int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got := pids(t, dir)
		all := true
		for _, n := range names {
			if _, ok := got[n]; !ok {
				all = false
			}
		}
		if all {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pid files %v never all appeared in %s; have %v", names, dir, pids(t, dir))
	return nil
}

// waitDead waits until pid is gone.
func waitDead(t *testing.T, what string, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("%s (pid %d) still runs", what, pid)
	}
}
