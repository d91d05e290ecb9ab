package trainingjob

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Replica 0 pushes the job's output artifacts; the others push nothing;
// what replica 0 reported is recorded.
func TestArtifactsOfReplicaZero(t *testing.T) {
	job := makeJob("a").Replicas(2).OutputArtifact("model", ml.ArtifactTypeModel).V1alpha1()
	plan, ok, err := workload.ArtifactPlanOf(ptrTemplate(replicaSpec(job, 0)))
	if err != nil || !ok || len(plan.Outputs) != 1 || plan.Outputs[0].Key != "ns/trainingjobs/a/uid-a/job/model" || plan.Outputs[0].Path != "/ml/artifacts/out/model" {
		t.Errorf("replica 0: plan %+v (%v, %v), want the model at ns/trainingjobs/a/uid-a/job/model", plan, ok, err)
	}
	if _, ok, _ := workload.ArtifactPlanOf(ptrTemplate(replicaSpec(job, 1))); ok {
		t.Errorf("replica 1 has an artifact plan")
	}
	recordArtifacts(job, workload.ReplicaStatus{Artifacts: []workload.ArtifactResult{{Name: "model", Key: "k", URI: "s3://b/k", Size: 3, Digest: "sha256:ab"}}})
	if a := job.Status.Artifacts; a == nil || len(a.Outputs) != 1 || a.Outputs[0].Type != "Model" || a.Outputs[0].Producer.Kind != "TrainingJob" || a.Outputs[0].SizeBytes != 3 {
		t.Errorf("status.artifacts %+v", a)
	}
}

func ptrTemplate(s workload.ReplicaSpec) *corev1.PodTemplateSpec { return &s.Template }
