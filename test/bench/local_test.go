package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// localTasks is how many task processes the standalone overhead benchmark
// starts; ML_BENCH_LOCAL_TASKS makes it smaller for a quick run.
func localTasks() int {
	if n, err := strconv.Atoi(os.Getenv("ML_BENCH_LOCAL_TASKS")); err == nil && n > 0 {
		return n
	}
	return 200
}

// localTask is the short process both sides start: a Python interpreter
// that prints a line, the smallest real task. The interpreter is the one
// of the PATH confined processes get (the server's PATH may name a shim
// in its user's home, which another user cannot run), for both sides.
var localTask = []string{systemPython(), "-c", `print("done")`}

// systemPython is python3 of local.ConfinedPATH ("python3" when none).
func systemPython() string {
	for _, dir := range filepath.SplitList(local.ConfinedPATH) {
		p := filepath.Join(dir, "python3")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return "python3"
}

// buildLauncher builds the launcher of local processes that the server
// uses when installed next to it (make build).
func buildLauncher(b *testing.B) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), "ml-apiserver-launch")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/ml-apiserver-launch")
	cmd.Dir = "../.."
	if data, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build the launcher: %v\n%s", err, data)
	}
	return out
}

// BenchmarkLocalProcesses measures standalone mode's overhead of running
// short processes as pipeline tasks: a PipelineRun whose one task fans out
// over N items (N processes started by the local runtime as the DAG
// engine schedules them, each with its status, attempt and outputs
// recorded) against the same N processes started one after another by a
// shell loop, in the same run. Target: the run takes at most 3x the loop.
// A chain of N tasks (each starting when the previous ended) is reported
// too, without a target: there every task waits for a reconcile of its
// own.
func BenchmarkLocalProcesses(b *testing.B) {
	if _, err := exec.LookPath(localTask[0]); err != nil {
		b.Skip("python3 is not installed")
	}
	n := localTasks()
	launcher := buildLauncher(b)
	s := startServer(b, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.Local.Launcher = launcher
	})
	cs, err := mlclientset.NewForConfig(s.config)
	if err != nil {
		b.Fatal(err)
	}
	unconfined := startServer(b, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.Local.Confine, o.Local.RunAsUser = false, ""
	})
	ucs, err := mlclientset.NewForConfig(unconfined.config)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Warm-up: the interpreter's files in the page cache, the controllers'
	// caches filled.
	if _, err := shellLoop(ctx, 5); err != nil {
		b.Fatal(err)
	}
	for _, c := range []mlclientset.Interface{cs, ucs} {
		if _, err := runLocal(ctx, c, "warm-up", 5, false); err != nil {
			b.Fatal(err)
		}
	}

	var loop, fanOut, unconfinedFanOut, chain time.Duration
	b.ResetTimer()
	for i := range b.N {
		l, err := shellLoop(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		f, err := runLocal(ctx, cs, fmt.Sprintf("fan-out-%d", i), n, false)
		if err != nil {
			b.Fatal(err)
		}
		u, err := runLocal(ctx, ucs, fmt.Sprintf("fan-out-%d", i), n, false)
		if err != nil {
			b.Fatal(err)
		}
		c, err := runLocal(ctx, cs, fmt.Sprintf("chain-%d", i), n, true)
		if err != nil {
			b.Fatal(err)
		}
		loop, fanOut, unconfinedFanOut, chain = loop+l, fanOut+f, unconfinedFanOut+u, chain+c
	}
	b.StopTimer()
	loop, fanOut, chain = loop/time.Duration(b.N), fanOut/time.Duration(b.N), chain/time.Duration(b.N)
	unconfinedFanOut /= time.Duration(b.N)
	ratio := fanOut.Seconds() / loop.Seconds()
	confinement := fanOut.Seconds() / unconfinedFanOut.Seconds()
	b.ReportMetric(loop.Seconds(), "loop-s")
	b.ReportMetric(fanOut.Seconds(), "pipelinerun-s")
	b.ReportMetric(ratio, "pipelinerun/loop")
	b.ReportMetric(unconfinedFanOut.Seconds(), "unconfined-pipelinerun-s")
	b.ReportMetric(confinement, "confined/unconfined")
	b.ReportMetric(chain.Seconds(), "chain-s")
	fmt.Printf("\n%d short processes (%v), standalone mode; load average before %s\n", n, localTask, loadAverage())
	fmt.Printf("%-52s %10s %10s\n", "", "seconds", "/ loop")
	fmt.Printf("%-52s %10.2f %10s\n", "shell loop, one after another", loop.Seconds(), "1.00")
	fmt.Printf("%-52s %10.2f %10.2f\n", "PipelineRun, one task with forEach over the items", fanOut.Seconds(), ratio)
	fmt.Printf("%-52s %10.2f %10.2f\n", "PipelineRun, fan-out, processes not confined", unconfinedFanOut.Seconds(), unconfinedFanOut.Seconds()/loop.Seconds())
	fmt.Printf("%-52s %10.2f %10.2f\n", "PipelineRun, a chain of tasks (no target)", chain.Seconds(), chain.Seconds()/loop.Seconds())
	verdict := "met"
	if ratio > 3 {
		verdict = "NOT met"
	}
	fmt.Printf("target: PipelineRun <= 3x the shell loop: %.2fx (%s)\n", ratio, verdict)
	verdict = "met"
	if confinement > 1.1 {
		verdict = "NOT met"
	}
	fmt.Printf("target: confined fan-out <= 1.1x the unconfined one: %.2fx (%s)\n", confinement, verdict)
}

// shellLoop starts the task n times from sh, one after another.
func shellLoop(ctx context.Context, n int) (time.Duration, error) {
	script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do %s -c '%s' >/dev/null || exit 1; i=$((i+1)); done`, n, localTask[0], localTask[2])
	start := time.Now()
	out, err := exec.CommandContext(ctx, "sh", "-c", script).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("shell loop: %v: %s", err, out)
	}
	return time.Since(start), nil
}

// runLocal runs n tasks as a PipelineRun (a fan-out, or a chain) and
// returns the time from its creation until it succeeded.
func runLocal(ctx context.Context, cs mlclientset.Interface, name string, n int, asChain bool) (time.Duration, error) {
	cacheOff := false
	spec := &mlv1alpha1.PipelineSpec{}
	task := func(name string) mlv1alpha1.PipelineTask {
		return mlv1alpha1.PipelineTask{
			Name:          name,
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: localTask},
		}
	}
	if asChain {
		for i := range n {
			t := task(fmt.Sprintf("t%d", i))
			if i > 0 {
				t.DependsOn = []string{fmt.Sprintf("t%d", i-1)}
			}
			spec.Tasks = append(spec.Tasks, t)
		}
	} else {
		t := task("work")
		t.ForEach = &mlv1alpha1.ForEach{}
		for i := range n {
			t.ForEach.Items = append(t.ForEach.Items, strconv.Itoa(i))
		}
		spec.Tasks = []mlv1alpha1.PipelineTask{t}
	}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bench-local"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: spec, Cache: &cacheOff},
	}
	runs := cs.MlV1alpha1().PipelineRuns("bench-local")
	start := time.Now()
	if _, err := runs.Create(ctx, run, metav1.CreateOptions{}); err != nil {
		return 0, err
	}
	var elapsed time.Duration
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		r, err := runs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		switch r.Status.Phase {
		case mlv1alpha1.PipelineRunSucceeded:
			elapsed = time.Since(start)
			return true, nil
		case mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
			return false, fmt.Errorf("run %s ended %s", name, r.Status.Phase)
		}
		return false, nil
	})
	if err != nil {
		return 0, err
	}
	return elapsed, runs.Delete(ctx, name, metav1.DeleteOptions{})
}
