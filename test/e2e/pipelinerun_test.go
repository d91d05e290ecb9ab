package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// runTimeout bounds how long a small pipeline takes on kwok: a few
// seconds per task for the scheduler, kwok and the controller.
const runTimeout = 3 * time.Minute

// The annotation of the pod-exit kwok Stage that fails the first attempts
// of a task (see hack/lib/kwok-stages.yaml).
const podExitFailAttemptsAnnotation = "pod-exit.stage.kwok.x-k8s.io/fail-attempts"

// plrEnv is the clients of one PipelineRun test.
type plrEnv struct {
	ns      string
	kube    kubernetes.Interface
	ml      mlclientset.Interface
	kubectl framework.Kubectl
}

func newPLREnv(t *testing.T) plrEnv {
	t.Helper()
	return plrEnv{
		ns:      cluster.Namespace(t),
		kube:    framework.Kube(t, cluster.Config()),
		ml:      framework.ML(t, cluster.Config()),
		kubectl: cluster.Kubectl(t),
	}
}

// simulate makes kwok play a task: its pods end with exit code exit after
// delay, writing message (key=value lines) as their termination message.
func simulate(task *mlv1alpha1.PipelineTask, exit int, delay, message string) {
	if task.PodMetadata == nil {
		task.PodMetadata = &mlv1alpha1.PodMetadata{}
	}
	if task.PodMetadata.Annotations == nil {
		task.PodMetadata.Annotations = map[string]string{}
	}
	a := task.PodMetadata.Annotations
	a[framework.PodExitCodeAnnotation] = fmt.Sprint(exit)
	a[framework.PodExitDelayAnnotation] = delay
	if message != "" {
		a[framework.PodExitMessageAnnotation] = message
	}
}

func plrTask(name string, args ...string) mlv1alpha1.PipelineTask {
	t := mlv1alpha1.PipelineTask{Name: name, ContainerSpec: mlv1alpha1.ContainerSpec{Image: "busybox:1.36", Command: []string{"run"}, Args: args}}
	simulate(&t, 0, "200ms", "")
	return t
}

func outputs(names ...string) []mlv1alpha1.TaskOutput {
	var out []mlv1alpha1.TaskOutput
	for _, n := range names {
		out = append(out, mlv1alpha1.TaskOutput{Name: n})
	}
	return out
}

// inlineRun is a run of an inline pipeline.
func inlineRun(name string, spec mlv1alpha1.PipelineSpec) *mlv1alpha1.PipelineRun {
	return &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &spec},
	}
}

func (e plrEnv) create(ctx context.Context, t *testing.T, run *mlv1alpha1.PipelineRun) *mlv1alpha1.PipelineRun {
	t.Helper()
	created, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create PipelineRun %s: %v", run.Name, err)
	}
	if created.Status.Pipeline == nil || created.Status.Pipeline.Hash == "" {
		t.Fatalf("PipelineRun %s was created without a reference to the snapshot of its pipeline in status.pipeline: the PipelineRunResolve admission plugin did not run", run.Name)
	}
	return created
}

// wait polls run name until cond holds.
func (e plrEnv) wait(ctx context.Context, t *testing.T, name string, timeout time.Duration, what string, cond func(*mlv1alpha1.PipelineRun) bool) *mlv1alpha1.PipelineRun {
	t.Helper()
	var run *mlv1alpha1.PipelineRun
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		r, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		run = r
		return cond(r), nil
	})
	if err != nil {
		t.Fatalf("PipelineRun %s/%s: %s: not within %v\n%s", e.ns, name, what, timeout, describeRun(run))
	}
	return run
}

// waitEnded waits until the run ended and checks its phase.
func (e plrEnv) waitEnded(ctx context.Context, t *testing.T, name string, timeout time.Duration, phase mlv1alpha1.PipelineRunPhase) *mlv1alpha1.PipelineRun {
	t.Helper()
	run := e.wait(ctx, t, name, timeout, "ended", func(r *mlv1alpha1.PipelineRun) bool { return r.Status.CompletionTime != nil })
	if run.Status.Phase != phase {
		t.Fatalf("PipelineRun %s ended %s, want %s\n%s", name, run.Status.Phase, phase, describeRun(run))
	}
	return run
}

// describeRun summarizes a run for failure messages.
func describeRun(run *mlv1alpha1.PipelineRun) string {
	if run == nil {
		return "never read"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "phase %s", run.Status.Phase)
	for _, c := range run.Status.Conditions {
		fmt.Fprintf(&b, "; %s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
	}
	for i, task := range run.Status.Tasks {
		if i == 20 {
			fmt.Fprintf(&b, "\n  ... %d more", len(run.Status.Tasks)-20)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s %s %s (%d attempts)", task.Name, task.Phase, task.Reason, task.Message, len(task.Attempts))
	}
	return b.String()
}

// taskStatus returns a task's entry of the run.
func taskStatus(t *testing.T, run *mlv1alpha1.PipelineRun, name string) mlv1alpha1.PipelineTaskStatus {
	t.Helper()
	for _, task := range run.Status.Tasks {
		if task.Name == name {
			return task
		}
	}
	t.Fatalf("run %s has no task %s\n%s", run.Name, name, describeRun(run))
	return mlv1alpha1.PipelineTaskStatus{}
}

// podRecorder keeps the last state of every pod of a namespace that a
// watch saw, deleted ones included: the controller deletes the pods of a
// run once it ended. It also keeps the order of the events in which a pod
// first appeared and first showed a terminated container: one watch
// delivers events in the order etcd wrote them, so this order is exact
// where timestamps (seconds, set by different clocks) are not.
type podRecorder struct {
	mu         sync.Mutex
	pods       map[string]corev1.Pod
	seq        int
	created    map[string]int
	terminated map[string]int
}

// recordPods watches the pods of the test's namespace until the test ends.
func (e plrEnv) recordPods(ctx context.Context, t *testing.T) *podRecorder {
	t.Helper()
	r := &podRecorder{pods: map[string]corev1.Pod{}, created: map[string]int{}, terminated: map[string]int{}}
	w, err := e.kube.CoreV1().Pods(e.ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch pods: %v", err)
	}
	t.Cleanup(w.Stop)
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok {
				r.mu.Lock()
				r.seq++
				r.pods[p.Name] = *p
				if _, ok := r.created[p.Name]; !ok {
					r.created[p.Name] = r.seq
				}
				if _, ok := r.terminated[p.Name]; !ok && podTerminated(p) {
					r.terminated[p.Name] = r.seq
				}
				r.mu.Unlock()
			}
		}
	}()
	return r
}

func podTerminated(p *corev1.Pod) bool {
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Terminated != nil {
			return true
		}
	}
	return false
}

// createdAfterTerminated reports whether the watch saw pod first after it
// saw up's container terminated.
func (r *podRecorder) createdAfterTerminated(t *testing.T, pod, up string) bool {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	created, ok := r.created[pod]
	if !ok {
		t.Fatalf("the watch never saw pod %s", pod)
	}
	terminated, ok := r.terminated[up]
	if !ok {
		t.Fatalf("the watch never saw pod %s terminated", up)
	}
	return created > terminated
}

// runPods returns the pods of a run the recorder saw, by name.
func (r *podRecorder) runPods(run string) map[string]corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	pods := map[string]corev1.Pod{}
	for name, p := range r.pods {
		if p.Labels[mlv1alpha1.PipelineRunNameLabel] == run {
			pods[name] = p
		}
	}
	return pods
}

// waitTerminated waits until the recorder saw n pods of run terminated.
func (r *podRecorder) waitTerminated(ctx context.Context, t *testing.T, run string, n int) {
	t.Helper()
	terminated := 0
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, shortTimeout, true, func(context.Context) (bool, error) {
		terminated = 0
		for _, p := range r.runPods(run) {
			if podTerminated(&p) {
				terminated++
			}
		}
		return terminated >= n, nil
	})
	if err != nil {
		t.Fatalf("saw %d terminated pods of %s, want %d", terminated, run, n)
	}
}

// livePods returns the names of the pods of a run that exist now.
func (e plrEnv) livePods(ctx context.Context, t *testing.T, run string) []string {
	t.Helper()
	list, err := e.kube.CoreV1().Pods(e.ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.PipelineRunNameLabel + "=" + run})
	if err != nil {
		t.Fatalf("list pods of %s: %v", run, err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

// waitPodsDeleted waits until the pods of an ended run are gone.
func (e plrEnv) waitPodsDeleted(ctx context.Context, t *testing.T, run string) {
	t.Helper()
	var left []string
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, runTimeout, true, func(ctx context.Context) (bool, error) {
		left = e.livePods(ctx, t, run)
		return len(left) == 0, nil
	})
	if err != nil {
		t.Errorf("pods of the ended run %s not deleted: %v", run, left)
	}
}

// finishedAt is when a pod's task container terminated.
func finishedAt(t *testing.T, p corev1.Pod) time.Time {
	t.Helper()
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Terminated != nil {
			return s.State.Terminated.FinishedAt.Time
		}
	}
	t.Fatalf("pod %s has not terminated: %s", p.Name, p.Status.Phase)
	return time.Time{}
}

// readExample decodes a file of artifacts/examples.
func readExample(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cluster.Root(), "artifacts", "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
}

// TestPipelineRun executes pipelines through the bundled controller on
// the kwok nodes of the local cluster. kwok plays each task from its pod's
// annotations (set through podMetadata): exit code, delay and termination
// message, which is how a simulated task writes its outputs. The subtests
// run in parallel, each in a namespace of its own.
func TestPipelineRun(t *testing.T) {
	t.Run("Diamond", testDiamond)
	t.Run("WhenFalseSkipped", testWhenFalse)
	t.Run("RetryThenSucceed", testRetry)
	t.Run("ForEach", testForEach)
	t.Run("CancelRunsFinally", testCancel)
	t.Run("Cache", testCache)
	t.Run("FiveHundredTasks", testFiveHundred)
	t.Run("FiveThousandForEach", testFiveThousand)
}

// testDiamond runs the example pipeline (artifacts/examples) with the
// example run: tasks start in dependency order, checked from the pods'
// creation and completion times, and outputs reach downstream args.
func testDiamond(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	var pl mlv1alpha1.Pipeline
	readExample(t, "pipeline.yaml", &pl)
	var run mlv1alpha1.PipelineRun
	readExample(t, "pipelinerun.yaml", &run)
	messages := map[string]string{
		"prepare":       "train-uri=s3://ml-artifacts/mnist/splits/train\nval-uri=s3://ml-artifacts/mnist/splits/val",
		"train":         "model-uri=s3://ml-artifacts/mnist/models/run-1",
		"validate-data": "status=ok",
		"evaluate":      "accuracy=0.987",
	}
	for i := range pl.Spec.Tasks {
		simulate(&pl.Spec.Tasks[i], 0, "1s", messages[pl.Spec.Tasks[i].Name])
	}
	for i := range pl.Spec.Finally {
		simulate(&pl.Spec.Finally[i], 0, "200ms", "")
	}
	if _, err := e.ml.MlV1alpha1().Pipelines(e.ns).Create(ctx, &pl, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Pipeline: %v", err)
	}
	e.create(ctx, t, &run)
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)

	for _, c := range []string{"Succeeded"} {
		if !meta.IsStatusConditionTrue(done.Status.Conditions, c) {
			t.Errorf("condition %s not true: %+v", c, done.Status.Conditions)
		}
	}
	// Once the run ended its pods are deleted (their logs archived); the
	// recorder keeps their last state.
	e.waitPodsDeleted(ctx, t, run.Name)
	rec.waitTerminated(ctx, t, run.Name, 5)
	pods := rec.runPods(run.Name)
	pod := func(task string) corev1.Pod {
		t.Helper()
		p, ok := pods[plan.PodName(run.Name, task, 1)]
		if !ok {
			t.Fatalf("no pod for task %s among %d pods", task, len(pods))
		}
		return p
	}
	// A task's pod is created only after the pods of the tasks it depends
	// on terminated: in the order of the watch's events, since kwok's
	// finishedAt and the apiserver's creationTimestamp come from different
	// clocks at one-second precision.
	deps := map[string][]string{
		"train":         {"prepare"},
		"validate-data": {"prepare"},
		"evaluate":      {"train", "validate-data"},
		"notify":        {"prepare", "train", "validate-data", "evaluate"},
	}
	for task, ups := range deps {
		for _, up := range ups {
			if !rec.createdAfterTerminated(t, pod(task).Name, pod(up).Name) {
				t.Errorf("pod of %s created at %v, before %s finished at %v", task, pod(task).CreationTimestamp, up, finishedAt(t, pod(up)))
			}
		}
		status := taskStatus(t, done, task)
		for _, up := range ups {
			if upEnd := taskStatus(t, done, up).CompletionTime; status.StartTime == nil || upEnd == nil || status.StartTime.Before(upEnd) {
				t.Errorf("task %s started at %v, before %s ended at %v", task, status.StartTime, up, upEnd)
			}
		}
	}
	// Outputs flowed into downstream args, params were substituted.
	wantArgs := map[string][]string{
		"train":    {"--data=s3://ml-artifacts/mnist/splits/train", "--lr=0.001", "--epochs=5", "--model-dir=s3://ml-artifacts/mnist/models"},
		"evaluate": {"--model=s3://ml-artifacts/mnist/models/run-1", "--data=s3://ml-artifacts/mnist/splits/val"},
	}
	for task, want := range wantArgs {
		if got := pod(task).Spec.Containers[0].Args; !slices.Equal(got, want) {
			t.Errorf("args of %s: %q, want %q", task, got, want)
		}
	}
	if got := pod("notify").Spec.Containers[0].Args[0]; !strings.Contains(got, "train-eval finished: Succeeded") {
		t.Errorf("notify did not see $(run.status): %q", got)
	}
	if got := taskStatus(t, done, "evaluate").Outputs; !slices.Equal(got, []mlv1alpha1.Param{{Name: "accuracy", Value: "0.987"}}) {
		t.Errorf("evaluate outputs %v", got)
	}

	out := e.kubectl.MustRun(t, "-n", e.ns, "get", "pipelinerun", run.Name)
	if !strings.Contains(out, "5/5") || !strings.Contains(out, "Succeeded") {
		t.Errorf("kubectl get pipelinerun: want TASKS 5/5 and Succeeded:\n%s", out)
	}
	var describe string
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, shortTimeout, true, func(context.Context) (bool, error) {
		describe = e.kubectl.MustRun(t, "-n", e.ns, "describe", "pipelinerun", run.Name)
		return strings.Contains(describe, "SuccessfulCreate") && strings.Contains(describe, "Succeeded"), nil
	})
	if err != nil {
		t.Errorf("kubectl describe pipelinerun shows no events:\n%s", describe)
	}
}

// testWhenFalse skips a task whose when expression is false, and the task
// that needs its outputs, but not one that only runs after it.
func testWhenFalse(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	check := plrTask("check")
	check.Outputs = outputs("status")
	simulate(&check, 0, "200ms", "status=corrupt-images")
	evaluate := plrTask("evaluate")
	evaluate.Outputs = outputs("accuracy")
	evaluate.When = []mlv1alpha1.WhenExpression{{Input: "$(tasks.check.outputs.status)", Operator: mlv1alpha1.WhenOperatorIn, Values: []string{"ok"}}}
	report := plrTask("report", "--accuracy=$(tasks.evaluate.outputs.accuracy)")
	cleanup := plrTask("cleanup")
	cleanup.DependsOn = []string{"evaluate"}
	run := e.create(ctx, t, inlineRun("gated", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{check, evaluate, report, cleanup}}))
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	want := map[string]string{"check": "Succeeded/", "evaluate": "Skipped/WhenNotMet", "report": "Skipped/UpstreamSkipped", "cleanup": "Succeeded/"}
	for task, w := range want {
		s := taskStatus(t, done, task)
		if got := string(s.Phase) + "/" + s.Reason; got != w {
			t.Errorf("%s: %s (%s), want %s", task, got, s.Message, w)
		}
	}
	pods := rec.runPods(run.Name)
	for _, skipped := range []string{"evaluate", "report"} {
		if _, ok := pods[plan.PodName(run.Name, skipped, 1)]; ok {
			t.Errorf("skipped task %s has a pod", skipped)
		}
	}
}

// testRetry fails the first attempt of a task; the retry succeeds.
func testRetry(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	flaky := plrTask("flaky")
	flaky.Outputs = outputs("result")
	simulate(&flaky, 0, "200ms", "result=42")
	flaky.PodMetadata.Annotations[podExitFailAttemptsAnnotation] = "1"
	flaky.Retries = &mlv1alpha1.RetryPolicy{Limit: 2, Backoff: &mlv1alpha1.Backoff{Duration: "2s", Factor: ptr.To[int32](2), MaxDuration: "10s"}}
	after := plrTask("after", "--result=$(tasks.flaky.outputs.result)")
	run := e.create(ctx, t, inlineRun("flaky", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{flaky, after}}))
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	f := taskStatus(t, done, "flaky")
	if len(f.Attempts) != 2 {
		t.Fatalf("flaky: %d attempts, want 2\n%s", len(f.Attempts), describeRun(done))
	}
	first, second := f.Attempts[0], f.Attempts[1]
	if first.ExitCode == nil || *first.ExitCode != 1 || first.PodName != plan.PodName(run.Name, "flaky", 1) {
		t.Errorf("first attempt %+v, want exit code 1 in pod -1", first)
	}
	if second.ExitCode == nil || *second.ExitCode != 0 || second.PodName != plan.PodName(run.Name, "flaky", 2) {
		t.Errorf("second attempt %+v, want exit code 0 in pod -2", second)
	}
	if first.CompletionTime == nil || second.StartTime == nil || second.StartTime.Sub(first.CompletionTime.Time) < time.Second {
		t.Errorf("the retry started at %v, less than the 2s backoff after the failure at %v", second.StartTime, first.CompletionTime)
	}
	pods := rec.runPods(run.Name)
	if p, ok := pods[first.PodName]; !ok || p.Status.Phase != corev1.PodFailed {
		t.Errorf("first attempt's pod: %v %s, want it kept and Failed", ok, p.Status.Phase)
	}
	if got := pods[plan.PodName(run.Name, "after", 1)].Spec.Containers[0].Args; !slices.Equal(got, []string{"--result=42"}) {
		t.Errorf("after args %q", got)
	}
}

// testForEach fans a task out over 5 items and back in.
func testForEach(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	fit := plrTask("fit", "--lr=$(item)")
	fit.ForEach = &mlv1alpha1.ForEach{From: "$(params.learning-rates)"}
	fit.Outputs = outputs("loss")
	simulate(&fit, 0, "500ms", "loss=0.5")
	pick := plrTask("pick", "--losses=$(tasks.fit.outputs.loss)")
	run := inlineRun("sweep", mlv1alpha1.PipelineSpec{
		Params: []mlv1alpha1.ParamSpec{{Name: "learning-rates", Type: mlv1alpha1.ParamTypeList}},
		Tasks:  []mlv1alpha1.PipelineTask{fit, pick},
	})
	run.Spec.Params = []mlv1alpha1.Param{{Name: "learning-rates", Value: `["0.1","0.03","0.01","0.003","0.001"]`}}
	run = e.create(ctx, t, run)
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	pods := rec.runPods(run.Name)
	var fitPods []string
	for name, p := range pods {
		if p.Labels[mlv1alpha1.PipelineTaskLabel] == "fit" {
			fitPods = append(fitPods, name)
		}
	}
	if len(fitPods) != 5 {
		t.Fatalf("fit has %d pods, want 5: %v", len(fitPods), fitPods)
	}
	// The run's status summarizes the instances; the tasks subresource
	// has each.
	if s := taskStatus(t, done, "fit").Instances; s == nil || s.Total != 5 || s.Succeeded != 5 {
		t.Errorf("summary of fit: %+v", s)
	}
	instances, _ := e.listInstances(ctx, t, run.Name, "fit", "", 2)
	if len(instances) != 5 {
		t.Fatalf("%d instances of fit through the tasks subresource, want 5", len(instances))
	}
	for i, lr := range []string{"0.1", "0.03", "0.01", "0.003", "0.001"} {
		name := fmt.Sprintf("fit-%d", i)
		p, ok := pods[plan.PodName(run.Name, name, 1)]
		if !ok {
			t.Errorf("no pod for %s", name)
			continue
		}
		if got := p.Spec.Containers[0].Args; !slices.Equal(got, []string{"--lr=" + lr}) {
			t.Errorf("%s args %q", name, got)
		}
		if s := instances[i]; s.Item != lr || s.Task != "fit" || s.Name != name || s.Phase != mlv1alpha1.TaskSucceeded {
			t.Errorf("%s: item %q task %q phase %s", name, s.Item, s.Task, s.Phase)
		}
	}
	want := []string{`--losses=["0.5","0.5","0.5","0.5","0.5"]`}
	if got := pods[plan.PodName(run.Name, "pick", 1)].Spec.Containers[0].Args; !slices.Equal(got, want) {
		t.Errorf("pick args %q, want the fan-in %q", got, want)
	}
}

// testCancel cancels a run mid-task: the running pod is deleted, the task
// Canceled, finally runs, the run ends Canceled.
func testCancel(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	long := plrTask("long")
	simulate(&long, 0, "10m", "")
	next := plrTask("next")
	next.DependsOn = []string{"long"}
	cleanup := plrTask("cleanup", "$(run.status)")
	run := e.create(ctx, t, inlineRun("canceled", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{long, next}, Finally: []mlv1alpha1.PipelineTask{cleanup}}))
	e.wait(ctx, t, run.Name, runTimeout, "long running", func(r *mlv1alpha1.PipelineRun) bool {
		return r.Status.Phase == mlv1alpha1.PipelineRunRunning && len(r.Status.Tasks) > 0 && r.Status.Tasks[0].Phase == mlv1alpha1.TaskRunning
	})
	longPod := plan.PodName(run.Name, "long", 1)
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, runTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := e.kube.CoreV1().Pods(e.ns).Get(ctx, longPod, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("pod %s never ran: %v", longPod, err)
	}
	e.kubectl.MustRun(t, "-n", e.ns, "patch", "pipelinerun", run.Name, "--type=merge", "-p", `{"spec":{"cancel":true}}`)
	done := e.waitEnded(ctx, t, run.Name, runTimeout, mlv1alpha1.PipelineRunCanceled)
	want := map[string]string{"long": "Canceled/RunCanceled", "next": "Skipped/RunCanceled", "cleanup": "Succeeded/"}
	for task, w := range want {
		s := taskStatus(t, done, task)
		if got := string(s.Phase) + "/" + s.Reason; got != w {
			t.Errorf("%s: %s (%s), want %s", task, got, s.Message, w)
		}
	}
	if !meta.IsStatusConditionTrue(done.Status.Conditions, "Failed") {
		t.Errorf("conditions %+v, want Failed true for a canceled run", done.Status.Conditions)
	}
	pods := rec.runPods(run.Name)
	if got := pods[plan.PodName(run.Name, "cleanup", 1)].Spec.Containers[0].Args; !slices.Equal(got, []string{"Canceled"}) {
		t.Errorf("cleanup args %q, want $(run.status) Canceled", got)
	}
	err = wait.PollUntilContextTimeout(ctx, framework.PollInterval, shortTimeout, true, func(ctx context.Context) (bool, error) {
		return !slices.Contains(e.livePods(ctx, t, run.Name), longPod), nil
	})
	if err != nil {
		t.Errorf("pod %s of the canceled task is still there", longPod)
	}
}

// testCache runs a pipeline twice: the second run is served from the
// first one's results, without pods.
func testCache(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*runTimeout+shortTimeout)
	e := newPLREnv(t)
	rec := e.recordPods(ctx, t)
	prep := plrTask("prep", "--size=10")
	prep.Outputs = outputs("uri")
	simulate(&prep, 0, "200ms", "uri=s3://data/10")
	train := plrTask("train", "--data=$(tasks.prep.outputs.uri)")
	train.Outputs = outputs("model")
	simulate(&train, 0, "200ms", "model=s3://models/10")
	spec := mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{prep, train}}
	first := e.create(ctx, t, inlineRun("first", spec))
	e.waitEnded(ctx, t, first.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)

	second := e.create(ctx, t, inlineRun("second", spec))
	done := e.waitEnded(ctx, t, second.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	for _, task := range []string{"prep", "train"} {
		s := taskStatus(t, done, task)
		if s.Phase != mlv1alpha1.TaskSucceeded || s.Reason != plan.ReasonCached {
			t.Errorf("%s: %s/%s (%s), want Succeeded/Cached", task, s.Phase, s.Reason, s.Message)
		}
	}
	if got := taskStatus(t, done, "train").Outputs; !slices.Equal(got, []mlv1alpha1.Param{{Name: "model", Value: "s3://models/10"}}) {
		t.Errorf("cached outputs %v", got)
	}
	if pods := rec.runPods(second.Name); len(pods) != 0 {
		t.Errorf("the cached run has %d pods", len(pods))
	}

	noCache := inlineRun("no-cache", spec)
	noCache.Spec.Cache = ptr.To(false)
	e.create(ctx, t, noCache)
	e.waitEnded(ctx, t, noCache.Name, runTimeout, mlv1alpha1.PipelineRunSucceeded)
	if pods := rec.runPods(noCache.Name); len(pods) != 2 {
		t.Errorf("the run with cache: false has %d pods, want 2", len(pods))
	}
}

// testFiveHundred runs a Pipeline of 500 tasks, 100 chains of 5, and
// checks that the stored run stays far below etcd's request limit.
func testFiveHundred(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Minute)
	e := newPLREnv(t)
	pl := &mlv1alpha1.Pipeline{ObjectMeta: metav1.ObjectMeta{Name: "five-hundred"}}
	for layer := range 5 {
		for chain := range 100 {
			task := plrTask(fmt.Sprintf("l%d-c%03d", layer, chain), fmt.Sprintf("--chain=%d", chain))
			task.Outputs = outputs("uri")
			simulate(&task, 0, "100ms", fmt.Sprintf("uri=s3://ml-artifacts/five-hundred/l%d/c%03d", layer, chain))
			if layer > 0 {
				task.Args = append(task.Args, fmt.Sprintf("--in=$(tasks.l%d-c%03d.outputs.uri)", layer-1, chain))
			}
			pl.Spec.Tasks = append(pl.Spec.Tasks, task)
		}
	}
	if _, err := e.ml.MlV1alpha1().Pipelines(e.ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Pipeline: %v", err)
	}
	run := e.create(ctx, t, &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "five-hundred"},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: pl.Name}, Cache: ptr.To(false)},
	})
	done := e.waitEnded(ctx, t, run.Name, 8*time.Minute, mlv1alpha1.PipelineRunSucceeded)
	if len(done.Status.Tasks) != 500 {
		t.Fatalf("%d tasks in status, want 500", len(done.Status.Tasks))
	}
	for _, task := range done.Status.Tasks {
		if task.Phase != mlv1alpha1.TaskSucceeded {
			t.Errorf("task %s: %s", task.Name, task.Phase)
		}
	}
	if got := done.Status.Tasks[499].Outputs; len(got) != 1 || got[0].Value != "s3://ml-artifacts/five-hundred/l4/c099" {
		t.Errorf("outputs of the last task: %v", got)
	}
	// The size of the object as stored: compact JSON, managed fields
	// included.
	size := func(v any) int {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return len(data)
	}
	total := size(done)
	t.Logf("stored run of 500 tasks: %d bytes (status.tasks %d, status.pipeline %d, managedFields %d)",
		total, size(done.Status.Tasks), size(done.Status.Pipeline), size(done.ManagedFields))
	const etcdLimit = 1536 * 1024
	if total > etcdLimit/2 {
		t.Errorf("the run is %d bytes, more than half of etcd's request limit of %d", total, etcdLimit)
	}
}
