package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	mlworkload "ml.example.io/ml-apiserver/pkg/workload"
)

// Targets of the pipeline benchmarks.
const (
	// planTarget is the most one plan of a 1,000-task run may take.
	planTarget = 20 * time.Millisecond
	// chainTarget is the most a PipelineRun chain may take, as a multiple
	// of the same number of batch/v1 Jobs created one after the other.
	chainTarget = 1.0
	// chainTasksEnv overrides the length of the chain (default 200).
	chainTasksEnv = "ML_BENCH_CHAIN_TASKS"
)

// planSpec is a 1,000-task pipeline: a chain (deep) or a root, 998
// parallel tasks and a sink (wide). Every task but the first reads an
// output of a task before it.
func planSpec(deep bool) *ml.PipelineSpec {
	spec := &ml.PipelineSpec{}
	task := func(name string, args ...string) ml.PipelineTask {
		return ml.PipelineTask{Name: name, ContainerSpec: ml.ContainerSpec{Image: "busybox:1.36", Command: []string{"run"}, Args: args},
			Outputs: []ml.TaskOutput{{Name: "x"}}}
	}
	if deep {
		for i := range 1000 {
			t := task(fmt.Sprintf("t%d", i), "--lr=0.1")
			if i > 0 {
				t.Args = append(t.Args, fmt.Sprintf("--in=$(tasks.t%d.outputs.x)", i-1))
			}
			spec.Tasks = append(spec.Tasks, t)
		}
		return spec
	}
	spec.Tasks = append(spec.Tasks, task("root"))
	sink := task("sink")
	for i := range 998 {
		name := fmt.Sprintf("w%d", i)
		spec.Tasks = append(spec.Tasks, task(name, "--in=$(tasks.root.outputs.x)", fmt.Sprintf("--shard=%d", i)))
		sink.DependsOn = append(sink.DependsOn, name)
	}
	spec.Tasks = append(spec.Tasks, sink)
	return spec
}

// planInput is the reconcile a plan is measured on: the deep chain half
// done (one task to start), the wide DAG with its root just done (998
// tasks to substitute, hash and start).
func planInput(deep bool) plan.Input {
	spec := planSpec(deep)
	done := 1
	if deep {
		done = 500
	}
	start := metav1.NewTime(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	run := &ml.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}
	run.Status.PipelineSpec = spec
	run.Status.StartTime = &start
	run.Status.Phase = ml.PipelineRunRunning
	pods := map[string]mlworkload.ReplicaStatus{}
	for i, t := range spec.Tasks {
		e := ml.PipelineTaskStatus{Name: t.Name, Task: t.Name, Phase: ml.TaskPending}
		if i < done {
			pod := plan.PodName("r", t.Name, 1)
			e.Phase, e.PodName, e.StartTime, e.CompletionTime = ml.TaskSucceeded, pod, &start, &start
			e.Attempts = []ml.TaskAttempt{{PodName: pod, ExitCode: ptr.To[int32](0), StartTime: &start, CompletionTime: &start}}
			e.Outputs = []ml.Param{{Name: "x", Value: "s3://bucket/" + t.Name}}
			pods[pod] = mlworkload.ReplicaStatus{Name: pod, Phase: mlworkload.PhaseSucceeded, ExitCode: ptr.To[int32](0)}
		}
		run.Status.Tasks = append(run.Status.Tasks, e)
	}
	return plan.Input{Run: run, Pods: pods, Now: start.Add(time.Minute)}
}

// planRuns is how many plans BenchmarkPipelinePlan times per shape; the
// median is reported, so that `-benchtime 1x` on a shared machine still
// gives a steady number.
const planRuns = 21

// BenchmarkPipelinePlan measures one reconcile's plan of a 1,000-task
// PipelineRun, deep and wide, against the 20 ms target.
func BenchmarkPipelinePlan(b *testing.B) {
	for _, shape := range []struct {
		name string
		deep bool
	}{{"deep-1000", true}, {"wide-1000", false}} {
		in := planInput(shape.deep)
		b.Run(shape.name, func(b *testing.B) {
			var res *plan.Result
			lat := make([]time.Duration, 0, planRuns)
			for b.Loop() {
				lat = lat[:0]
				for range planRuns {
					start := time.Now()
					res = plan.Plan(in)
					lat = append(lat, time.Since(start))
				}
			}
			if len(res.Create) == 0 {
				b.Fatalf("the plan started nothing: %s", res.Message)
			}
			slices.Sort(lat)
			perPlan := lat[len(lat)/2]
			b.ReportMetric(float64(perPlan.Microseconds())/1000, "ms/plan")
			b.ReportMetric(perPlan.Seconds()/planTarget.Seconds(), "plan/target")
			verdict := "met"
			if perPlan > planTarget {
				verdict = "NOT met"
			}
			fmt.Printf("plan of %s (%d tasks to start): median %s of %d plans (fastest %s, slowest %s); target < %s: %s (load average %s)\n",
				shape.name, len(res.Create), perPlan.Round(10*time.Microsecond), planRuns, lat[0].Round(10*time.Microsecond),
				lat[len(lat)-1].Round(10*time.Microsecond), planTarget, verdict, loadAverage())
		})
	}
}

// BenchmarkPipelineChain measures, on one local cluster (kwok nodes), the
// end-to-end time of a PipelineRun whose tasks form a chain of 200, each
// starting when the one before succeeded, against 200 batch/v1 Jobs of one
// pod each that a client creates one after the other, each once the one
// before completed. Pods of both end as soon as they run (kwok's
// pod-complete Stage for the Jobs' pods, the pod-exit Stage with no delay
// for the tasks'). The Jobs run in two halves around the pipeline, so that
// the shared machine's changing load falls on both alike. The PipelineRun
// controller runs as its own `ml-apiserver controller` process.
func BenchmarkPipelineChain(b *testing.B) {
	n := 200
	if testing.Short() {
		n = 20
	}
	if v := os.Getenv(chainTasksEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			b.Fatalf("%s=%q: want a number of tasks of at least 2", chainTasksEnv, v)
		}
	}
	c := startLocalCluster(b)
	ctx := context.Background()
	admin := rest.CopyConfig(c.admin)
	admin.QPS, admin.Burst = 200, 400
	kube, err := kubernetes.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	mlc, err := mlclientset.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	startPipelineController(ctx, b, c)
	s := &scaleRun{c: c, kube: kube}
	for _, ns := range []string{"bench-chain-jobs", "bench-chain-pipeline"} {
		if err := s.createNamespace(ctx, ns); err != nil {
			b.Fatalf("namespace %s: %v", ns, err)
		}
	}
	// Warm up both paths: the scheduler, kwok, the Job controller and ours.
	if _, err := runJobChain(ctx, kube, "bench-chain-jobs", "warm", 2); err != nil {
		b.Fatalf("warm-up Jobs: %v", err)
	}
	if _, err := runPipelineChain(ctx, mlc, "bench-chain-pipeline", "warm", 2); err != nil {
		b.Fatalf("warm-up PipelineRun: %v", err)
	}

	loadBefore := loadAverage()
	b.ResetTimer()
	var jobs, runs time.Duration
	for i := 0; i < b.N; i++ {
		first, err := runJobChain(ctx, kube, "bench-chain-jobs", fmt.Sprintf("a%d", i), n/2)
		if err != nil {
			b.Fatalf("batch/v1 Jobs: %v", err)
		}
		run, err := runPipelineChain(ctx, mlc, "bench-chain-pipeline", fmt.Sprintf("chain-%d", i), n)
		if err != nil {
			b.Fatalf("PipelineRun: %v", err)
		}
		second, err := runJobChain(ctx, kube, "bench-chain-jobs", fmt.Sprintf("b%d", i), n-n/2)
		if err != nil {
			b.Fatalf("batch/v1 Jobs: %v", err)
		}
		jobs, runs = first+second, run
	}
	b.StopTimer()
	r := ratio(runs.Seconds(), jobs.Seconds())
	b.ReportMetric(runs.Seconds(), "pipelinerun-s")
	b.ReportMetric(jobs.Seconds(), "batchjobs-s")
	b.ReportMetric(r, "pipelinerun/batchjobs-time")
	fmt.Printf("\nchain of %d tasks on kwok nodes; load average before: %s, after: %s\n", n, loadBefore, loadAverage())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tsequential batch/v1 Jobs\tPipelineRun chain\tratio\t")
	fmt.Fprintf(tw, "end to end\t%s\t%s\t%.2f\t\n", round(jobs), round(runs), r)
	fmt.Fprintf(tw, "per step\t%s\t%s\t\t\n", round(jobs/time.Duration(n)), round(runs/time.Duration(n)))
	_ = tw.Flush()
	verdict := "met"
	if r > chainTarget {
		verdict = "NOT met"
	}
	fmt.Printf("\ntarget: PipelineRun time <= %.1fx sequential Jobs: %.2fx (%s)\n\n", chainTarget, r, verdict)
}

// runJobChain creates n Jobs one after the other, each once the one
// before completed, and returns the time it took.
func runJobChain(ctx context.Context, kube kubernetes.Interface, ns, prefix string, n int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(n)*30*time.Second)
	defer cancel()
	jobs := kube.BatchV1().Jobs(ns)
	start := time.Now()
	for i := range n {
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i)},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "task", Image: "busybox:1.36", Command: []string{"run"}, Args: []string{fmt.Sprintf("--step=%d", i)}}},
			}}},
		}
		created, err := jobs.Create(ctx, job, metav1.CreateOptions{})
		if err != nil {
			return 0, err
		}
		w, err := jobs.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", created.Name).String(), ResourceVersion: created.ResourceVersion})
		if err != nil {
			return 0, err
		}
		err = untilEvent(ctx, w, func(obj any) bool {
			j, ok := obj.(*batchv1.Job)
			if !ok {
				return false
			}
			for _, c := range j.Status.Conditions {
				if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
					return true
				}
			}
			return false
		})
		if err != nil {
			return 0, fmt.Errorf("job %s: %w", created.Name, err)
		}
	}
	return time.Since(start), nil
}

// runPipelineChain runs a PipelineRun of a chain of n tasks and returns
// the time from its create until it succeeded.
func runPipelineChain(ctx context.Context, mlc mlclientset.Interface, ns, name string, n int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(n)*30*time.Second)
	defer cancel()
	spec := mlv1alpha1.PipelineSpec{}
	for i := range n {
		t := mlv1alpha1.PipelineTask{
			Name:          fmt.Sprintf("t%d", i),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "busybox:1.36", Command: []string{"run"}, Args: []string{fmt.Sprintf("--step=%d", i)}},
			PodOptions: mlv1alpha1.PodOptions{PodMetadata: &mlv1alpha1.PodMetadata{Annotations: map[string]string{
				"pod-exit.stage.kwok.x-k8s.io/exit-code": "0",
				"pod-exit.stage.kwok.x-k8s.io/delay":     "0s",
			}}},
		}
		if i > 0 {
			t.DependsOn = []string{fmt.Sprintf("t%d", i-1)}
		}
		spec.Tasks = append(spec.Tasks, t)
	}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &spec, Cache: ptr.To(false)},
	}
	runs := mlc.MlV1alpha1().PipelineRuns(ns)
	start := time.Now()
	created, err := runs.Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		return 0, err
	}
	w, err := runs.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: created.ResourceVersion})
	if err != nil {
		return 0, err
	}
	var last *mlv1alpha1.PipelineRun
	err = untilEvent(ctx, w, func(obj any) bool {
		r, ok := obj.(*mlv1alpha1.PipelineRun)
		if ok {
			last = r
		}
		return ok && r.Status.CompletionTime != nil
	})
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", name, err)
	}
	if last.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		return 0, fmt.Errorf("run %s ended %s", name, last.Status.Phase)
	}
	return elapsed, nil
}

// untilEvent reads w until done holds for an object, and stops it.
func untilEvent(ctx context.Context, w watch.Interface, done func(any) bool) error {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("watch closed")
			}
			if ev.Type == watch.Error {
				return fmt.Errorf("watch error: %v", ev.Object)
			}
			if done(ev.Object) {
				return nil
			}
		}
	}
}

// startPipelineController starts the PipelineRun controller as its own
// `ml-apiserver controller` process with the identity ml-apiserver runs
// with, and waits until its caches synced.
func startPipelineController(ctx context.Context, b *testing.B, c *localCluster) {
	b.Helper()
	log := filepath.Join(c.dir, "logs", "ml-pipeline-controller.log")
	out, err := os.Create(log)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(filepath.Join(c.root, "_output", "bin", "ml-apiserver"), "controller",
		"--kubeconfig", c.env["ML_APISERVER_KUBECONFIG"],
		"--controllers", "pipelinerun",
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start ml-apiserver controller: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("ml-apiserver controller exited:\n%s", tail(log, 30))
		default:
		}
		data, _ := os.ReadFile(log)
		return strings.Contains(string(data), "Caches are synced"), nil
	})
	if err != nil {
		b.Fatalf("ml-apiserver controller not ready: %v\n%s", err, tail(log, 30))
	}
}
