package trainingjob

import (
	corev1 "k8s.io/api/core/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// ArtifactTask is the task segment of the keys of a TrainingJob's
// artifacts: <namespace>/trainingjobs/<name>/<uid>/job/<artifact>.
const ArtifactTask = "job"

// artifactKey is the key of output artifact name of job.
func artifactKey(job *mlv1alpha1.TrainingJob, name string) string {
	return artifactstore.Key(job.Namespace, workload.ArtifactKindTrainingJob, job.Name, string(job.UID), ArtifactTask, name)
}

// setArtifactPlan makes replica index of job push the job's output
// artifacts: replica 0, the chief or master, writes the trained model.
func setArtifactPlan(job *mlv1alpha1.TrainingJob, index int32, template *corev1.PodTemplateSpec) {
	if index != 0 || job.Spec.Artifacts == nil {
		return
	}
	var plan workload.ArtifactPlan
	for _, o := range job.Spec.Artifacts.Outputs {
		plan.Outputs = append(plan.Outputs, workload.ArtifactTransfer{Name: o.Name, Key: artifactKey(job, o.Name), Path: o.Path})
	}
	workload.SetArtifactPlan(template, plan)
}

// recordArtifacts records in status what replica 0 pushed.
func recordArtifacts(job *mlv1alpha1.TrainingJob, chief workload.ReplicaStatus) {
	if job.Spec.Artifacts == nil || len(job.Spec.Artifacts.Outputs) == 0 {
		return
	}
	pushed := map[string]workload.ArtifactResult{}
	for _, r := range chief.Artifacts {
		pushed[r.Name] = r
	}
	var outputs []mlv1alpha1.ArtifactRecord
	for _, o := range job.Spec.Artifacts.Outputs {
		r, ok := pushed[o.Name]
		if !ok {
			continue
		}
		outputs = append(outputs, mlv1alpha1.ArtifactRecord{
			Name: o.Name, Type: o.Type, Key: r.Key, URI: r.URI, SizeBytes: r.Size, Digest: r.Digest,
			Producer: &mlv1alpha1.ArtifactProducer{Kind: "TrainingJob", Name: job.Name, UID: string(job.UID)},
		})
	}
	if len(outputs) > 0 {
		job.Status.Artifacts = &mlv1alpha1.ArtifactsStatus{Outputs: outputs}
	}
}
