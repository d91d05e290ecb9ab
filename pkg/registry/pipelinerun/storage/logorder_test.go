package storage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// A diamond whose join (gather) started in the same second as the tasks it
// waited for ranks below them; a task that has not started is not ordered.
func TestLogKindStarted(t *testing.T) {
	spec := mltesting.MakePipeline("p", "ns").Tasks(
		mltesting.MakeTask("gather").DependsOn("work", "check").Obj(),
		mltesting.MakeTask("prepare").Obj(),
		mltesting.MakeTask("work").DependsOn("prepare").ForEachItems("a", "b").Obj(),
		mltesting.MakeTask("check").Obj(),
	).Finally(mltesting.MakeTask("notify").Obj()).Spec()
	// check reads an output of prepare without dependsOn: it still waits.
	spec.Tasks[3].Args = []string{"$(tasks.prepare.outputs.split)"}
	run := mltesting.MakePipelineRun("r", "ns").PipelineSpec(spec).Obj()
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	run.Status.Tasks = []ml.PipelineTaskStatus{
		{Name: "gather", Task: "gather", StartTime: at(2)},
		{Name: "prepare", Task: "prepare", StartTime: at(0)},
		{Name: "work-0", Task: "work", StartTime: at(2)},
		{Name: "work-1", Task: "work", Attempts: []ml.TaskAttempt{{PodName: "r-work-1-1", StartTime: at(1)}}},
		{Name: "check", Task: "check", StartTime: at(2)},
		{Name: "notify", Task: "notify"},
	}
	type started struct {
		Start time.Time
		Rank  int
		OK    bool
	}
	want := map[string]started{
		"prepare": {t0, 0, true},
		"work-0":  {t0.Add(2 * time.Second), 1, true},
		"work-1":  {t0.Add(time.Second), 1, true},
		"check":   {t0.Add(2 * time.Second), 1, true},
		"gather":  {t0.Add(2 * time.Second), 2, true},
		"notify":  {},
		"absent":  {},
	}
	got := map[string]started{}
	for label := range want {
		s, r, ok := logKind{}.Started(run, label)
		got[label] = started{s, r, ok}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Started (-want +got):\n%s", diff)
	}
	if d := taskDepths(spec)["notify"]; d != 3 {
		t.Errorf("finally task depth %d, want 3 (after every regular task)", d)
	}
}
