package storage

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// inlinePipeline is printed in the PIPELINE column of a run whose pipeline
// is given inline rather than by reference.
const inlinePipeline = "<inline>"

func newTableConvertor() registryutil.TableConvertor[*ml.PipelineRun] {
	return registryutil.TableConvertor[*ml.PipelineRun]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.Column("Pipeline", "string", "The Pipeline the run executes, or <inline>."),
			registryutil.PhaseColumn(),
			registryutil.Column("Tasks", "string", "Finished tasks (succeeded, failed, skipped or canceled) out of all tasks."),
			registryutil.Column("Duration", "string", "How long the run has run, or ran."),
			registryutil.AgeColumn(),
		},
		Cells: pipelineRunCells,
	}
}

func pipelineRunCells(run *ml.PipelineRun, now time.Time) []any {
	pipeline := inlinePipeline
	switch {
	case run.Spec.PipelineRef != nil:
		pipeline = run.Spec.PipelineRef.Name
	case run.Status.Pipeline != nil && run.Status.Pipeline.Name != "":
		// A retry runs the Pipeline of the run it retries.
		pipeline = run.Status.Pipeline.Name
	}
	return []any{
		run.Name,
		pipeline,
		string(run.Status.Phase),
		registryutil.Ratio(taskCounts(run)),
		registryutil.Duration(run.Status.StartTime, run.Status.CompletionTime, now),
		registryutil.Age(run.CreationTimestamp, now),
	}
}

// taskCounts returns how many tasks of a run are done and how many there
// are. Before the controller has listed the tasks in the status, the total
// comes from the resolved pipeline snapshot, or else from the inline spec.
func taskCounts(run *ml.PipelineRun) (done, total int32) {
	// A forEach task the status summarizes counts its instances.
	instances := int32(0)
	for _, task := range run.Status.Tasks {
		if s := task.Instances; s != nil {
			done += s.Succeeded + s.Failed + s.Skipped + s.Canceled
			instances += s.Total - 1
			continue
		}
		switch task.Phase {
		case ml.TaskSucceeded, ml.TaskFailed, ml.TaskSkipped, ml.TaskCanceled:
			done++
		}
	}
	switch {
	case len(run.Status.Tasks) > 0:
		total = int32(len(run.Status.Tasks)) + instances
	case run.Status.PipelineSpec != nil:
		total = int32(len(run.Status.PipelineSpec.Tasks) + len(run.Status.PipelineSpec.Finally))
	case run.Status.Pipeline != nil && run.Status.Pipeline.Tasks > 0:
		total = run.Status.Pipeline.Tasks
	case run.Spec.PipelineSpec != nil:
		total = int32(len(run.Spec.PipelineSpec.Tasks) + len(run.Spec.PipelineSpec.Finally))
	}
	return done, total
}
