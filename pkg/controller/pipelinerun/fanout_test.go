package pipelinerun

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// TestSyncWideFanOut runs a 1,200-instance forEach task, 300 at a time,
// two of whose instances (in the last wave) fail: the run's
// status keeps one summary entry for the task (counts, the first
// failures) and stays small at every write; every instance, with its
// outputs, is in the instance store; the fan-in reads every output.
func TestSyncWideFanOut(t *testing.T) {
	const n = 1200
	items := make([]string, n)
	for i := range items {
		items[i] = "shard-" + strconv.Itoa(i)
	}
	spec := mltesting.MakePipeline("p", "ns").Tasks(
		mltesting.MakeTask("work").ForEachItems(items...).ForEachParallelism(300).Args("--shard=$(item)").Outputs("rows").Obj(),
		mltesting.MakeTask("sum").Args("--rows=$(tasks.work.outputs.rows)").Obj(),
	).Spec()
	f := newFixture(t, makeRun(t, "wide", spec))
	maxBytes, maxRunning := 0, 0
	for range 20 {
		f.mustSync("wide")
		run := f.run("wide")
		// The server keeps the snapshot apart (the fixture's run carries
		// it): what is left is what the controller writes.
		stripped := run.DeepCopy()
		stripped.Status.PipelineSpec = nil
		data, err := json.Marshal(stripped)
		if err != nil {
			t.Fatal(err)
		}
		maxBytes = max(maxBytes, len(data))
		running := 0
		for _, name := range f.podNames() {
			if pod := f.pod(name); pod.Status.Phase == "" {
				running++
				exit, msg := int32(0), "rows="+strings.TrimSuffix(strings.TrimPrefix(name, "wide-work-"), "-1")
				if name == podName("wide", "work-950") || name == podName("wide", "work-1100") {
					exit, msg = 3, "bad shard"
				}
				f.endPod(name, exit, msg)
			}
		}
		maxRunning = max(maxRunning, running)
		if run.Status.CompletionTime != nil {
			break
		}
	}
	run := f.run("wide")
	if run.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Fatalf("phase %s: %v", run.Status.Phase, run.Status.Conditions)
	}
	if maxRunning > 300 {
		t.Errorf("%d instances ran at once, more than forEach.parallelism 300", maxRunning)
	}
	if maxBytes > 4<<10 {
		t.Errorf("the run grew to %d bytes; its status should only summarize the instances", maxBytes)
	}
	t.Logf("largest version of the run: %d bytes", maxBytes)

	var names []string
	for _, e := range run.Status.Tasks {
		names = append(names, e.Name)
	}
	if diff := cmp.Diff([]string{"work", "sum"}, names); diff != "" {
		t.Fatalf("status.tasks (-want +got):\n%s", diff)
	}
	work := run.Status.Tasks[0]
	if work.Phase != mlv1alpha1.TaskFailed || work.Instances == nil {
		t.Fatalf("work: %+v", work)
	}
	sum := *work.Instances
	if sum.Total != n || sum.Succeeded != n-2 || sum.Failed != 2 || len(sum.Failures) != 2 || sum.Failures[0].Index != 950 || sum.Failures[1].Index != 1100 || sum.Failures[1].Item != "shard-1100" {
		t.Errorf("summary: %+v", sum)
	}

	stored := f.instances.all(run.UID)
	if len(stored) != n {
		t.Fatalf("%d instances stored, want %d", len(stored), n)
	}
	for i, in := range stored {
		want := fmt.Sprint(i)
		if in.Index != int32(i) || in.Name != "work-"+want || in.Item != "shard-"+want {
			t.Fatalf("instance %d: %s index %d item %s", i, in.Name, in.Index, in.Item)
		}
		if i != 950 && i != 1100 && (in.Phase != mlv1alpha1.TaskSucceeded || len(in.Outputs) != 1 || in.Outputs[0].Value != want) {
			t.Errorf("instance %d: %s %+v", i, in.Phase, in.Outputs)
		}
	}
}

// TestSyncFanIn reads the outputs of every instance of a forEach task
// from the instance store, with a restart of the controller (an empty
// cache) in between.
func TestSyncFanIn(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(
		mltesting.MakeTask("work").ForEachItems("a", "b", "c").Outputs("y").Obj(),
		mltesting.MakeTask("sum").Args("--y=$(tasks.work.outputs.y)").Obj(),
	).Spec()
	f := newFixture(t, makeRun(t, "r", spec))
	f.mustSync("r")
	for _, k := range []string{"0", "1", "2"} {
		f.endPod(podName("r", "work-"+k), 0, "y="+k)
	}
	f.c.instanceCache = instanceCache{}
	lists := f.instances.lists
	f.mustSync("r")
	if f.instances.lists == lists {
		t.Errorf("the sync after a restart did not read the instances")
	}
	p := f.pod(podName("r", "sum"))
	if diff := cmp.Diff([]string{`--y=["0","1","2"]`}, p.Spec.Containers[0].Args); diff != "" {
		t.Errorf("args of the fan-in (-want +got):\n%s", diff)
	}
	// Once the cache holds the run, a sync reads nothing back.
	lists = f.instances.lists
	f.mustSync("r")
	if f.instances.lists != lists {
		t.Errorf("a sync with the instances cached read them again")
	}
}
