package v1alpha1

// Labels the bundled controller puts on the pods of PipelineRuns, so that
// `kubectl get pods -l ml.example.io/pipelinerun=<run>` lists a run's pods
// and `-l ml.example.io/pipeline-task=<task>` one task's attempts.
const (
	// PipelineRunNameLabel is on every pod of a PipelineRun; its value is
	// the run's name (shortened with a hash when longer than a label value
	// may be).
	PipelineRunNameLabel = "ml.example.io/pipelinerun"

	// PipelineTaskLabel is on every pod of a PipelineRun: the name of the
	// pipeline task (not of its forEach instance) the pod runs.
	PipelineTaskLabel = "ml.example.io/pipeline-task"

	// TaskAttemptLabel is on every pod of a PipelineRun: the attempt it
	// runs, 1 for the first, 2 for the first retry, and so on.
	TaskAttemptLabel = "ml.example.io/task-attempt"

	// ForEachIndexLabel is on the pods of forEach instances: the index of
	// the instance's item, from 0.
	ForEachIndexLabel = "ml.example.io/foreach-index"

	// TaskEntryAnnotation is on every pod of a PipelineRun: the name of the
	// run's status.tasks entry the pod is an attempt of (the task, or
	// <task>-<index> for a forEach instance).
	TaskEntryAnnotation = "ml.example.io/task"
)
