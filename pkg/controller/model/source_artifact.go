package model

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
)

// producers reads the objects whose artifacts models serve.
type producers struct {
	jobs mllisters.TrainingJobLister
	runs mllisters.PipelineRunLister
}

// resolveArtifact finds the record of the artifact a source names in its
// producer's status: a TrainingJob's status.artifacts.outputs, or a
// PipelineRun task's status.tasks[].artifacts.outputs. A producer that
// does not exist yet, or has not produced the artifact while it runs, is
// waited for; one that ended without it is final.
func resolveArtifact(a *mlv1alpha1.ModelArtifactSource, namespace string, p producers) (resolution, error) {
	if a.FromTrainingJob != "" {
		return resolveJobArtifact(a, namespace, p.jobs)
	}
	return resolveRunArtifact(a, namespace, p.runs)
}

func resolveJobArtifact(a *mlv1alpha1.ModelArtifactSource, namespace string, jobs mllisters.TrainingJobLister) (resolution, error) {
	name := a.FromTrainingJob
	job, err := jobs.TrainingJobs(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return resolution{Reason: ReasonProducerNotFound, Message: fmt.Sprintf("Waiting for TrainingJob %s, which produces artifact %s, to exist", name, a.Name)}, nil
	}
	if err != nil {
		return resolution{}, fmt.Errorf("get trainingjob %s/%s: %w", namespace, name, err)
	}
	what := fmt.Sprintf("artifact %s of TrainingJob %s", a.Name, name)
	if st := job.Status.Artifacts; st != nil {
		for _, rec := range st.Outputs {
			if rec.Name == a.Name && rec.URI != "" {
				return artifactResolution(rec, what), nil
			}
		}
	}
	switch job.Status.Phase {
	case mlv1alpha1.TrainingJobSucceeded, mlv1alpha1.TrainingJobFailed:
		return resolution{Reason: ReasonArtifactNotProduced, Final: true,
			Message: fmt.Sprintf("TrainingJob %s %s without producing artifact %s%s", name, ended(string(job.Status.Phase)), a.Name, declared(jobDeclares(job, a.Name)))}, nil
	}
	return resolution{Reason: ReasonArtifactNotProduced,
		Message: fmt.Sprintf("Waiting for TrainingJob %s to produce artifact %s (it is %s)", name, a.Name, phaseOr(string(job.Status.Phase), "Pending"))}, nil
}

func resolveRunArtifact(a *mlv1alpha1.ModelArtifactSource, namespace string, runs mllisters.PipelineRunLister) (resolution, error) {
	name := a.FromPipelineRun
	run, err := runs.PipelineRuns(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return resolution{Reason: ReasonProducerNotFound, Message: fmt.Sprintf("Waiting for PipelineRun %s, whose task %s produces artifact %s, to exist", name, a.Task, a.Name)}, nil
	}
	if err != nil {
		return resolution{}, fmt.Errorf("get pipelinerun %s/%s: %w", namespace, name, err)
	}
	what := fmt.Sprintf("artifact %s of task %s of PipelineRun %s", a.Name, a.Task, name)
	for _, t := range run.Status.Tasks {
		if t.Name != a.Task || t.Artifacts == nil {
			continue
		}
		for _, rec := range t.Artifacts.Outputs {
			if rec.Name == a.Name && rec.URI != "" {
				return artifactResolution(rec, what), nil
			}
		}
	}
	switch run.Status.Phase {
	case mlv1alpha1.PipelineRunSucceeded, mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
		return resolution{Reason: ReasonArtifactNotProduced, Final: true,
			Message: fmt.Sprintf("PipelineRun %s %s without its task %s producing artifact %s", name, ended(string(run.Status.Phase)), a.Task, a.Name)}, nil
	}
	return resolution{Reason: ReasonArtifactNotProduced,
		Message: fmt.Sprintf("Waiting for task %s of PipelineRun %s to produce artifact %s (the run is %s)", a.Task, name, a.Name, phaseOr(string(run.Status.Phase), "Pending"))}, nil
}

// artifactResolution serves the artifact rec.
func artifactResolution(rec mlv1alpha1.ArtifactRecord, what string) resolution {
	r := resolution{
		URI:      rec.URI,
		Reason:   ReasonResolved,
		Message:  fmt.Sprintf("Serving %s, %s", rec.URI, what),
		Digest:   rec.Digest,
		Artifact: rec.Name,
	}
	if rec.Producer != nil {
		r.Producer = rec.Producer.DeepCopy()
	}
	return r
}

// jobDeclares says whether job declares the output artifact name.
func jobDeclares(job *mlv1alpha1.TrainingJob, name string) bool {
	if job.Spec.Artifacts == nil {
		return false
	}
	for _, o := range job.Spec.Artifacts.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

func declared(ok bool) string {
	if ok {
		return ""
	}
	return " (its spec.artifacts.outputs has no such artifact)"
}

func ended(phase string) string {
	switch phase {
	case "Succeeded":
		return "succeeded"
	case "Canceled":
		return "was canceled"
	}
	return "failed"
}

func phaseOr(phase, fallback string) string {
	if phase == "" {
		return fallback
	}
	return phase
}
