package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// maxRunBytes is the most a PipelineRun may take, as JSON, at any version
// during a 5,000-instance fan-out: far below etcd's request limit.
const maxRunBytes = 256 << 10

// listInstances reads every instance of run's forEach tasks through the
// tasks subresource, limit at a time, following continue, and returns
// them with the number of pages read.
func (e plrEnv) listInstances(ctx context.Context, t *testing.T, run, task, phase string, limit int) ([]mlv1alpha1.PipelineRunTaskInstance, int) {
	t.Helper()
	var all []mlv1alpha1.PipelineRunTaskInstance
	token, pages := "", 0
	for {
		req := e.ml.MlV1alpha1().RESTClient().Get().Namespace(e.ns).Resource("pipelineruns").Name(run).SubResource("tasks").
			Param("limit", strconv.Itoa(limit))
		if task != "" {
			req = req.Param("task", task)
		}
		if phase != "" {
			req = req.Param("phase", phase)
		}
		if token != "" {
			req = req.Param("continue", token)
		}
		var page mlv1alpha1.PipelineRunTaskList
		if err := req.Do(ctx).Into(&page); err != nil {
			t.Fatalf("GET pipelineruns/%s/tasks: %v", run, err)
		}
		pages++
		if len(page.Items) > limit {
			t.Fatalf("a page of %d instances, limit %d", len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if token = page.Continue; token == "" {
			return all, pages
		}
	}
}

// runSizes watches run name and records the JSON size of every version
// it sees, until stop is called; it returns the largest and the count.
func (e plrEnv) runSizes(ctx context.Context, t *testing.T, name string) (stop func() (int, int)) {
	t.Helper()
	w, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		t.Fatalf("watch PipelineRun %s: %v", name, err)
	}
	var mu sync.Mutex
	var largest, versions int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			data, err := json.Marshal(ev.Object)
			if err != nil {
				continue
			}
			mu.Lock()
			largest = max(largest, len(data))
			versions++
			mu.Unlock()
		}
	}()
	return func() (int, int) {
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return largest, versions
	}
}

// testFiveThousand fans a task out over 5,000 items, 200 at a time (the
// pods the two kwok nodes take), and back in: the run Succeeds, every
// version of the PipelineRun stays under 256 KiB, every instance is read
// through the tasks subresource page by page, and kubectl ml tree counts
// the instances.
func testFiveThousand(t *testing.T) {
	t.Parallel()
	const n = 5000
	ctx := testContext(t, 30*time.Minute)
	e := newPLREnv(t)
	items := make([]string, n)
	for i := range items {
		items[i] = "shard-" + strconv.Itoa(i)
	}
	work := plrTask("work", "--shard=$(item)")
	work.ForEach = &mlv1alpha1.ForEach{Items: items, Parallelism: ptr.To[int32](200)}
	work.Outputs = outputs("rows")
	simulate(&work, 0, "100ms", "rows=100")
	count := plrTask("count", "--rows=$(tasks.work.outputs.rows)")
	run := inlineRun("five-thousand", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{work, count}})
	run.Spec.Cache = ptr.To(false)
	stop := e.runSizes(ctx, t, run.Name)
	run = e.create(ctx, t, run)
	started := time.Now()
	done := e.waitEnded(ctx, t, run.Name, 25*time.Minute, mlv1alpha1.PipelineRunSucceeded)
	largest, versions := stop()
	t.Logf("5,000 instances ran in %v; %d versions of the run watched, the largest %d bytes", time.Since(started).Round(time.Second), versions, largest)
	if versions == 0 {
		t.Fatal("the watch saw no version of the run")
	}
	if largest > maxRunBytes {
		t.Errorf("a version of the run took %d bytes, more than %d", largest, maxRunBytes)
	}

	w := taskStatus(t, done, "work")
	if s := w.Instances; w.Phase != mlv1alpha1.TaskSucceeded || s == nil || s.Total != n || s.Succeeded != n {
		t.Fatalf("work: %s %+v", w.Phase, w.Instances)
	}
	instances, pages := e.listInstances(ctx, t, run.Name, "work", "", 1000)
	if len(instances) != n || pages != n/1000 {
		t.Fatalf("%d instances in %d pages, want %d in %d", len(instances), pages, n, n/1000)
	}
	for i, in := range instances {
		if in.Index != int32(i) || in.Item != items[i] || in.Phase != mlv1alpha1.TaskSucceeded || len(in.Outputs) != 1 || in.Outputs[0].Value != "100" ||
			in.PodName != plan.PodName(run.Name, fmt.Sprintf("work-%d", i), 1) {
			t.Fatalf("instance %d: %+v", i, in)
		}
	}
	if failed, _ := e.listInstances(ctx, t, run.Name, "work", string(mlv1alpha1.TaskFailed), 1000); len(failed) != 0 {
		t.Errorf("%d failed instances listed", len(failed))
	}

	plugin := buildPlugin(t)
	out, err := kubectlML(ctx, t, e.kubectl.Path, plugin, "-n", e.ns, "tree", "plr/"+run.Name)
	if err != nil || !strings.Contains(out, "instances (5000)") || !strings.Contains(out, "5000 Succeeded") {
		t.Errorf("kubectl ml tree: %v\n%s", err, out)
	}
}
