package pipelinerun

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

func diamond() *ml.PipelineSpec {
	return mltesting.MakePipeline("p", "ns").
		Params(mltesting.MakeParamSpec("lr").Default("0.1").Obj()).
		Tasks(
			mltesting.MakeTask("prepare").Outputs("train-uri").PodAnnotation("team", "vision").Obj(),
			mltesting.MakeTask("train").Args("--data=$(tasks.prepare.outputs.train-uri)", "--lr=$(params.lr)").Outputs("model").Obj(),
			mltesting.MakeTask("validate").DependsOn("prepare").Obj(),
			mltesting.MakeTask("evaluate").Args("$(tasks.train.outputs.model)").DependsOn("validate").Obj(),
		).
		Finally(mltesting.MakeTask("notify").Args("$(run.status)").Obj()).Spec()
}

func podName(run, task string) string { return plan.PodName(run, task, 1) }

// TestSyncDiamond runs a diamond to its end: pods in dependency order,
// owned and labelled, with params and outputs substituted; status,
// conditions and events along the way.
func TestSyncDiamond(t *testing.T) {
	f := newFixture(t, makeRun(t, "r", diamond(), mlv1alpha1.Param{Name: "lr", Value: "0.01"}))
	f.mustSync("r")
	if diff := cmp.Diff([]string{podName("r", "prepare")}, f.podNames()); diff != "" {
		t.Fatalf("pods (-want +got):\n%s", diff)
	}
	p := f.pod(podName("r", "prepare"))
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "PipelineRun" || ref.Name != "r" || ref.UID != "uid-r" {
		t.Errorf("controller of the pod: %+v", ref)
	}
	wantLabels := map[string]string{
		mlv1alpha1.PipelineRunNameLabel: "r", mlv1alpha1.PipelineTaskLabel: "prepare", mlv1alpha1.TaskAttemptLabel: "1",
		mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName,
	}
	if diff := cmp.Diff(wantLabels, p.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if p.Annotations["team"] != "vision" || p.Annotations[mlv1alpha1.TaskEntryAnnotation] != "prepare" {
		t.Errorf("annotations %v", p.Annotations)
	}
	c := p.Spec.Containers[0]
	if p.Spec.RestartPolicy != corev1.RestartPolicyNever || c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError {
		t.Errorf("restartPolicy %s, terminationMessagePolicy %s", p.Spec.RestartPolicy, c.TerminationMessagePolicy)
	}
	run := f.run("r")
	if run.Status.Phase != mlv1alpha1.PipelineRunRunning || !meta.IsStatusConditionTrue(run.Status.Conditions, ConditionRunning) {
		t.Errorf("phase %s conditions %+v", run.Status.Phase, run.Status.Conditions)
	}
	if run.Status.PipelineSpec == nil || len(run.Status.Tasks) != 5 {
		t.Errorf("status lost its snapshot or lists %d tasks", len(run.Status.Tasks))
	}
	if got := f.eventReasons(); !cmp.Equal(got, []string{EventSuccessfulCreate}) {
		t.Errorf("events %v", got)
	}

	f.clock.Step(time.Second)
	f.endPod(podName("r", "prepare"), 0, "train-uri=s3://splits/train\n")
	f.mustSync("r")
	want := []string{podName("r", "prepare"), podName("r", "train"), podName("r", "validate")}
	if diff := cmp.Diff(want, f.podNames()); diff != "" {
		t.Fatalf("pods (-want +got):\n%s", diff)
	}
	if got := f.pod(podName("r", "train")).Spec.Containers[0].Args; !cmp.Equal(got, []string{"--data=s3://splits/train", "--lr=0.01"}) {
		t.Errorf("train args %q", got)
	}
	f.endPod(podName("r", "train"), 0, "model=s3://models/1")
	f.endPod(podName("r", "validate"), 0, "")
	f.mustSync("r")
	if got := f.pod(podName("r", "evaluate")).Spec.Containers[0].Args; !cmp.Equal(got, []string{"s3://models/1"}) {
		t.Errorf("evaluate args %q", got)
	}
	f.endPod(podName("r", "evaluate"), 0, "")
	f.mustSync("r")
	if got := f.pod(podName("r", "notify")).Spec.Containers[0].Args; !cmp.Equal(got, []string{"Succeeded"}) {
		t.Errorf("notify args %q", got)
	}
	f.endPod(podName("r", "notify"), 0, "")
	f.events()
	f.mustSync("r")
	run = f.run("r")
	if run.Status.Phase != mlv1alpha1.PipelineRunSucceeded || run.Status.CompletionTime == nil {
		t.Fatalf("phase %s", run.Status.Phase)
	}
	for cond, want := range map[string]metav1.ConditionStatus{ConditionRunning: metav1.ConditionFalse, ConditionSucceeded: metav1.ConditionTrue, ConditionFailed: metav1.ConditionFalse} {
		if c := meta.FindStatusCondition(run.Status.Conditions, cond); c == nil || c.Status != want || c.ObservedGeneration != 1 {
			t.Errorf("condition %s: %+v, want %s", cond, c, want)
		}
	}
	if got := f.eventReasons(); !slices.Contains(got, string(mlv1alpha1.PipelineRunSucceeded)) {
		t.Errorf("events %v, want Succeeded", got)
	}
	if len(f.podNames()) != 5 {
		t.Errorf("pods %v, want all 5 kept until the end is stored", f.podNames())
	}
	// Once the end is stored, the pods go (their logs archived by the
	// runtime first); the status does not change any more.
	f.mustSync("r")
	for _, a := range f.ML.Actions() {
		if a.GetVerb() == "update" {
			t.Errorf("sync of an ended run wrote: %v", a)
		}
	}
	if got := f.podNames(); len(got) != 0 {
		t.Errorf("pods %v left after the run ended", got)
	}
	if got := f.events(); len(got) != 1 || !strings.Contains(got[0], "Deleted pods "+podName("r", "evaluate")+", ") {
		t.Errorf("events %v, want one deletion of the 5 pods", got)
	}
}

// TestSyncSnapshotMissing fails a run without the snapshot the admission
// plugin writes, saying so.
func TestSyncSnapshotMissing(t *testing.T) {
	run := makeRun(t, "r", diamond())
	run.Status = mlv1alpha1.PipelineRunStatus{}
	f := newFixture(t, run)
	f.mustSync("r")
	got := f.run("r")
	c := meta.FindStatusCondition(got.Status.Conditions, ConditionFailed)
	if got.Status.Phase != mlv1alpha1.PipelineRunFailed || c == nil || c.Reason != ReasonSnapshotMissing {
		t.Errorf("phase %s, Failed condition %+v", got.Status.Phase, c)
	}
	if len(f.podNames()) != 0 {
		t.Errorf("pods %v", f.podNames())
	}
}

// TestSyncCache serves a second identical run from the first one's
// results: no pods, tasks Succeeded with reason Cached and the outputs.
// The retention window counts from when a result was computed: tasks
// served from the cache do not serve again.
func TestSyncCache(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(
		mltesting.MakeTask("a").Outputs("x").Obj(),
		mltesting.MakeTask("b").Args("$(tasks.a.outputs.x)").Obj(),
	).Spec()
	f := newFixture(t, makeRun(t, "first", spec))
	f.mustSync("first")
	f.endPod(podName("first", "a"), 0, "x=1")
	f.mustSync("first")
	f.endPod(podName("first", "b"), 0, "")
	f.mustSync("first")
	if p := f.run("first").Status.Phase; p != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("first run %s", p)
	}
	pods := f.podNames()

	f.clock.Step(DefaultCacheRetention / 2)
	f.create(makeRun(t, "second", spec))
	f.mustSync("second")
	second := f.run("second")
	if second.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Errorf("second run %s, want Succeeded at once", second.Status.Phase)
	}
	for _, task := range second.Status.Tasks {
		if task.Phase != mlv1alpha1.TaskSucceeded || task.Reason != plan.ReasonCached {
			t.Errorf("task %s: %s/%s", task.Name, task.Phase, task.Reason)
		}
	}
	if got := second.Status.Tasks[0].Outputs; !cmp.Equal(got, []mlv1alpha1.Param{{Name: "x", Value: "1"}}) {
		t.Errorf("outputs %v", got)
	}
	if diff := cmp.Diff(pods, f.podNames()); diff != "" {
		t.Errorf("the cached run made pods (-before +after):\n%s", diff)
	}

	// Past the retention window of the first run's results, nothing
	// serves: the second run's cached tasks are no results of their own.
	f.clock.Step(DefaultCacheRetention/2 + time.Second)
	f.create(makeRun(t, "third", spec))
	f.mustSync("third")
	if !slices.Contains(f.podNames(), podName("third", "a")) {
		t.Errorf("a stale result was used: pods %v", f.podNames())
	}
}

// TestSyncCancel deletes the running pods and runs finally.
func TestSyncCancel(t *testing.T) {
	f := newFixture(t, makeRun(t, "r", diamond()))
	f.mustSync("r")
	run := f.run("r")
	run.Spec.Cancel = true
	if _, err := f.ML.MlV1alpha1().PipelineRuns("ns").Update(f.Ctx, run, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.events()
	f.mustSync("r")
	if diff := cmp.Diff([]string{podName("r", "notify")}, f.podNames()); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if got := f.eventReasons(); !slices.Contains(got, EventSuccessfulDelete) {
		t.Errorf("events %v, want a deletion", got)
	}
	f.endPod(podName("r", "notify"), 0, "")
	f.mustSync("r")
	run = f.run("r")
	if run.Status.Phase != mlv1alpha1.PipelineRunCanceled || !meta.IsStatusConditionTrue(run.Status.Conditions, ConditionFailed) {
		t.Errorf("phase %s conditions %+v", run.Status.Phase, run.Status.Conditions)
	}
}

// TestSyncTTL deletes a finished run ttlSecondsAfterFinished after it
// ended, and not before.
func TestSyncTTL(t *testing.T) {
	run := makeRun(t, "r", mltesting.MakePipeline("p", "ns").Tasks(mltesting.MakeTask("a").Obj()).Spec())
	run.Spec.TTLSecondsAfterFinished = ptr.To[int32](60)
	f := newFixture(t, run)
	f.mustSync("r")
	f.endPod(podName("r", "a"), 0, "")
	f.mustSync("r")
	f.clock.Step(59 * time.Second)
	f.mustSync("r")
	if f.run("r") == nil {
		t.Fatal("deleted before its TTL")
	}
	f.clock.Step(time.Second)
	f.mustSync("r")
	if f.run("r") != nil {
		t.Error("not deleted after its TTL")
	}
}

// TestStatusSize500 runs a 500-task pipeline (a root, 498 tasks after it,
// a sink) where every task writes an output, and checks that the stored
// run stays far below etcd's 1.5 MiB request limit.
func TestStatusSize500(t *testing.T) {
	p := mltesting.MakePipeline("p", "ns").Tasks(mltesting.MakeTask("root").Outputs("uri").Obj())
	sink := mltesting.MakeTask("sink")
	for i := range 498 {
		name := fmt.Sprintf("shard-%03d", i)
		p.Tasks(mltesting.MakeTask(name).
			Command("python", "-m", "shard").
			Args("--data=$(tasks.root.outputs.uri)", fmt.Sprintf("--shard=%d", i)).
			Request(corev1.ResourceCPU, "500m").Outputs("rows", "uri").Obj())
		sink.DependsOn(name)
	}
	f := newFixture(t, makeRun(t, "big", p.Tasks(sink.Obj()).Spec()))
	for range 10 {
		f.mustSync("big")
		for _, name := range f.podNames() {
			if pod := f.pod(name); pod.Status.Phase == "" {
				f.endPod(name, 0, fmt.Sprintf("uri=s3://ml-artifacts/datasets/mnist/shards/%s/part-00000.parquet\nrows=123456\n", name))
			}
		}
		if f.run("big").Status.CompletionTime != nil {
			break
		}
	}
	run := f.run("big")
	if run.Status.Phase != mlv1alpha1.PipelineRunSucceeded || len(run.Status.Tasks) != 500 {
		t.Fatalf("phase %s with %d tasks", run.Status.Phase, len(run.Status.Tasks))
	}
	data, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	const etcdLimit = 1536 * 1024
	t.Logf("stored run of 500 tasks: %d bytes (%.0f%% of etcd's limit)", len(data), 100*float64(len(data))/etcdLimit)
	if len(data) > etcdLimit/3 {
		t.Errorf("the run takes %d bytes, more than a third of etcd's request limit of %d", len(data), etcdLimit)
	}
}

// TestSyncCreateRefused fails the attempt of a pod the API refuses, so a
// run never waits forever on a pod that cannot exist; retries apply.
func TestSyncCreateRefused(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(mltesting.MakeTask("bad").Retries(1).Obj()).Spec()
	f := newFixture(t, makeRun(t, "r", spec))
	f.Kube.PrependReactor("create", "pods", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "r-bad-1", errors.New("exceeded quota: compute"))
	})
	if err := f.sync("r"); err == nil {
		t.Fatal("sync succeeded while the pod was refused")
	}
	// The next sync fails the attempt and starts the retry (no backoff),
	// whose pod is refused too.
	if err := f.sync("r"); err == nil {
		t.Fatal("sync succeeded while the retry's pod was refused")
	}
	if bad := f.run("r").Status.Tasks[0]; len(bad.Attempts) != 2 || !strings.Contains(bad.Attempts[0].Message, "exceeded quota") {
		t.Fatalf("after a refused pod: %s/%s, attempts %+v", bad.Phase, bad.Reason, bad.Attempts)
	}
	f.mustSync("r")
	run := f.run("r")
	if bad := run.Status.Tasks[0]; bad.Phase != mlv1alpha1.TaskFailed || bad.Reason != ReasonCreateRefused || len(bad.Attempts) != 2 {
		t.Errorf("after the retry: %s/%s with %d attempts, want Failed/%s after 2", bad.Phase, bad.Reason, len(bad.Attempts), ReasonCreateRefused)
	}
	if run.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Errorf("run %s, want Failed", run.Status.Phase)
	}
}

// TestSyncServiceAccountNotYet creates a pod again, without failing its
// attempt, when the API refused it because the namespace's ServiceAccount
// did not exist yet (a run created right after its namespace): the task
// runs once the ServiceAccount is there.
func TestSyncServiceAccountNotYet(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(mltesting.MakeTask("train").Obj()).Spec()
	f := newFixture(t, makeRun(t, "r", spec))
	missing := true
	f.Kube.PrependReactor("create", "pods", func(clienttesting.Action) (bool, runtime.Object, error) {
		if !missing {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "r-train-1",
			errors.New(`error looking up service account ns/default: serviceaccount "default" not found`))
	})
	for range 2 {
		if err := f.sync("r"); err == nil {
			t.Fatal("sync succeeded while the pod was refused")
		}
	}
	if task := f.run("r").Status.Tasks[0]; task.Phase == mlv1alpha1.TaskFailed || len(task.Attempts) > 1 {
		t.Fatalf("while the ServiceAccount is missing: %s/%s with attempts %+v, want the first attempt waiting for its pod", task.Phase, task.Reason, task.Attempts)
	}
	missing = false
	f.mustSync("r")
	if diff := cmp.Diff([]string{"r-train-1"}, f.podNames()); diff != "" {
		t.Errorf("pods once the ServiceAccount exists (-want +got):\n%s", diff)
	}
	if task := f.run("r").Status.Tasks[0]; task.Phase != mlv1alpha1.TaskRunning || len(task.Attempts) != 1 {
		t.Errorf("task %s with %d attempts, want Running with its first attempt", task.Phase, len(task.Attempts))
	}
}

// TestSyncWhenCELCost holds CEL conditions to the controller's cost limit
// (--max-when-cel-cost): under the default a condition holds and its task
// runs; under a lower limit the task fails, naming the limit.
func TestSyncWhenCELCost(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(
		mltesting.MakeTask("a").Outputs("x").Obj(),
		mltesting.MakeTask("b").WhenCEL("tasks.a.outputs.x.lowerAscii() == 'yes'").Obj(),
	).Spec()
	for _, tc := range []struct {
		limit int64
		want  string
	}{{0, "Running/"}, {10, "Failed/" + plan.ReasonInvalidTask}} {
		f := newFixtureWith(t, func(c *Config) { c.WhenCELCost = tc.limit }, makeRun(t, "r", spec))
		f.mustSync("r")
		f.endPod(podName("r", "a"), 0, "x=YES")
		f.mustSync("r")
		b := f.run("r").Status.Tasks[1]
		if got := string(b.Phase) + "/" + b.Reason; got != tc.want {
			t.Errorf("limit %d: b is %s (%s), want %s", tc.limit, got, b.Message, tc.want)
		}
	}
}
