package framework

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// MaxPipelineTasks is the server's default --max-pipeline-tasks: the most
// tasks one run may have.
const MaxPipelineTasks = 1000

// bulkWorkers is how many creates run at once.
const bulkWorkers = 16

// CreatePipelineRuns creates n PipelineRuns named prefix-00000, prefix-00001,
// ... in the test's namespace, each of an inline one-task pipeline and
// suspended, so that they start no process: a list to render, not work for
// the machine. It creates them in parallel and returns their names once all
// exist.
func (e *Env) CreatePipelineRuns(t *testing.T, prefix string, n int) []string {
	t.Helper()
	start := time.Now()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	work := make(chan string)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range bulkWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				run := suspendedRun(e.Namespace, name, layeredTasks(1, 1))
				run.Labels = map[string]string{"browser.ml.example.io/bulk": prefix}
				if _, err := e.Client.MlV1alpha1().PipelineRuns(e.Namespace).Create(ctx, run, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("create pipelinerun %s: %w", name, err)
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, name := range names {
		select {
		case work <- name:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	t.Logf("created %d pipelineruns in %v", n, time.Since(start).Round(time.Millisecond))
	return names
}

// CreateWideRun creates a suspended PipelineRun of an inline pipeline of n
// tasks (at most MaxPipelineTasks) laid out in layers of width tasks: task
// j of a layer depends on task j of the layer before, and the first task
// of a layer also on every task of the layer before, so the graph has both
// chains and a fan-in per layer. Tasks are named t-LAYER-INDEX.
func (e *Env) CreateWideRun(t *testing.T, name string, n, width int) *mlv1alpha1.PipelineRun {
	t.Helper()
	if n > MaxPipelineTasks {
		t.Fatalf("a run has at most %d tasks (--max-pipeline-tasks), not %d", MaxPipelineTasks, n)
	}
	run, err := e.Client.MlV1alpha1().PipelineRuns(e.Namespace).Create(t.Context(), suspendedRun(e.Namespace, name, layeredTasks(n, width)), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pipelinerun %s of %d tasks: %v", name, n, err)
	}
	return run
}

// suspendedRun is a suspended run of an inline pipeline.
func suspendedRun(ns, name string, tasks []mlv1alpha1.PipelineTask) *mlv1alpha1.PipelineRun {
	return &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: mlv1alpha1.PipelineRunSpec{
			PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: tasks},
			Suspend:      true,
		},
	}
}

// layeredTasks are n tasks in layers of width (see CreateWideRun).
func layeredTasks(n, width int) []mlv1alpha1.PipelineTask {
	if width < 1 {
		width = 1
	}
	tasks := make([]mlv1alpha1.PipelineTask, 0, n)
	taskName := func(i int) string { return fmt.Sprintf("t-%d-%d", i/width, i%width) }
	for i := range n {
		task := mlv1alpha1.PipelineTask{Name: taskName(i)}
		task.Image = "busybox:1.36"
		task.Command = []string{"sh", "-c", "true"}
		layer, j := i/width, i%width
		if layer > 0 {
			task.DependsOn = []string{taskName(i - width)}
			if j == 0 {
				task.DependsOn = nil
				for k := (layer - 1) * width; k < layer*width; k++ {
					task.DependsOn = append(task.DependsOn, taskName(k))
				}
			}
		}
		tasks = append(tasks, task)
	}
	return tasks
}
