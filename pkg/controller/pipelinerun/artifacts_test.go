package pipelinerun

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// The pod of a task with artifacts carries the plan its runtime acts on;
// one without carries none.
func TestReplicaSpecArtifactPlan(t *testing.T) {
	task := mltesting.MakeTask("train").Command("python").Obj()
	run := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}
	want := workload.ArtifactPlan{Outputs: []workload.ArtifactTransfer{{Name: "model", Key: "ns/pipelineruns/r/u/train/model", Path: "/ml/artifacts/out/model"}}}
	spec := replicaSpec(run, plan.Start{Name: "train", Task: &task, PodName: "r-train-1", Attempt: 1, Index: -1, Command: []string{"python"}, Artifacts: &want})
	got, ok, err := workload.ArtifactPlanOf(&spec.Template)
	if err != nil || !ok {
		t.Fatalf("ArtifactPlanOf = %v, %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	spec = replicaSpec(run, plan.Start{Name: "train", Task: &task, PodName: "r-train-1", Attempt: 1, Index: -1, Command: []string{"python"}})
	if _, ok, _ := workload.ArtifactPlanOf(&spec.Template); ok {
		t.Errorf("a task without artifacts has a plan")
	}
}
