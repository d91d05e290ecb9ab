package storage

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// The TASKS column counts the instances of a forEach task the status
// summarizes, not its one entry.
func TestTaskCountsOfSummarizedForEach(t *testing.T) {
	run := &ml.PipelineRun{Status: ml.PipelineRunStatus{Tasks: []ml.PipelineTaskStatus{
		{Name: "split", Phase: ml.TaskSucceeded},
		{Name: "work", Task: "work", Phase: ml.TaskRunning, Instances: &ml.TaskInstanceSummary{Total: 5000, Succeeded: 4000, Failed: 1, Running: 200, Pending: 799}},
		{Name: "sum", Phase: ml.TaskPending},
	}}}
	if done, total := taskCounts(run); done != 4002 || total != 5002 {
		t.Errorf("taskCounts = %d/%d, want 4002/5002", done, total)
	}
}
