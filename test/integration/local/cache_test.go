package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// Tasks of one run with the same container but other outputs and
// dependencies do not share a cached result: gather, which runs split's
// very command but declares no output and depends on work, runs its own
// process and gets no outputs. A second identical run is fully cached:
// no process runs, and every task reads Succeeded/Cached.
func TestCacheKeyCoversOutputsAndDependencies(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	dir := framework.SharedDir(t)
	// Each process appends its task's line to ran; split and gather
	// write the same line, so they are told apart by count.
	same := `echo same >> $(params.dir)/ran; echo shards=3 > "$ML_TERMINATION_MESSAGE_PATH"`
	split := task("split", same)
	split.Outputs = []mlv1alpha1.TaskOutput{{Name: "shards"}}
	work := task("work", `echo work on $(tasks.split.outputs.shards) >> $(params.dir)/ran`)
	gather := task("gather", same)
	gather.DependsOn = []string{"work"}
	spec := &mlv1alpha1.PipelineSpec{
		Params: []mlv1alpha1.ParamSpec{{Name: "dir"}},
		Tasks:  []mlv1alpha1.PipelineTask{split, work, gather},
	}
	runOnce := func(name string) *mlv1alpha1.PipelineRun {
		t.Helper()
		run := &mlv1alpha1.PipelineRun{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: mlv1alpha1.PipelineRunSpec{
				PipelineSpec: spec.DeepCopy(),
				Params:       []mlv1alpha1.Param{{Name: "dir", Value: dir}},
			},
		}
		if _, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		done := waitRun(t, ns, name, 3*time.Minute)
		if done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
			t.Fatalf("run %s ended %s: %+v", name, done.Status.Phase, done.Status.Tasks)
		}
		return done
	}
	ran := func() []string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "ran"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	byName := func(r *mlv1alpha1.PipelineRun) map[string]mlv1alpha1.PipelineTaskStatus {
		m := map[string]mlv1alpha1.PipelineTaskStatus{}
		for _, s := range r.Status.Tasks {
			m[s.Name] = s
		}
		return m
	}

	first := byName(runOnce("first"))
	for _, name := range []string{"split", "work", "gather"} {
		if s := first[name]; s.Phase != mlv1alpha1.TaskSucceeded || s.Reason == plan.ReasonCached || len(s.Attempts) == 0 {
			t.Errorf("first run: %s is %s/%s (%s) with %d attempts, want it to run and succeed", name, s.Phase, s.Reason, s.Message, len(s.Attempts))
		}
	}
	if got := first["gather"].Outputs; len(got) != 0 {
		t.Errorf("first run: gather has outputs %v, declares none", got)
	}
	want := []string{"same", "work on 3", "same"}
	if diff := cmp.Diff(want, ran()); diff != "" {
		t.Errorf("processes of the first run (-want +got):\n%s", diff)
	}

	second := byName(runOnce("second"))
	for _, name := range []string{"split", "work", "gather"} {
		if s := second[name]; s.Phase != mlv1alpha1.TaskSucceeded || s.Reason != plan.ReasonCached || len(s.Attempts) != 0 {
			t.Errorf("second run: %s is %s/%s (%s) with %d attempts, want Succeeded/Cached", name, s.Phase, s.Reason, s.Message, len(s.Attempts))
		}
	}
	if diff := cmp.Diff([]mlv1alpha1.Param{{Name: "shards", Value: "3"}}, second["split"].Outputs); diff != "" {
		t.Errorf("second run: split outputs (-want +got):\n%s", diff)
	}
	if got := second["gather"].Outputs; len(got) != 0 {
		t.Errorf("second run: gather has outputs %v, declares none", got)
	}
	if diff := cmp.Diff(want, ran()); diff != "" {
		t.Errorf("the cached run started processes (-want +got):\n%s", diff)
	}
}
