package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

func TestResolveArtifact(t *testing.T) {
	rec := func(name, uri string, p *mlv1alpha1.ArtifactProducer) mlv1alpha1.ArtifactRecord {
		return mlv1alpha1.ArtifactRecord{Name: name, Type: mlv1alpha1.ArtifactTypeModel, URI: uri, SizeBytes: 42, Digest: "sha256:abc", Producer: p}
	}
	jobProducer := &mlv1alpha1.ArtifactProducer{Kind: "TrainingJob", Name: "done", UID: "uid-done"}
	runProducer := &mlv1alpha1.ArtifactProducer{Kind: "PipelineRun", Name: "run", UID: "uid-run", Task: "train"}
	trainJob := func(name string, phase mlv1alpha1.TrainingJobPhase, declares bool, outputs ...mlv1alpha1.ArtifactRecord) *mlv1alpha1.TrainingJob {
		j := job(name, phase, "")
		if declares {
			j.Spec.Artifacts = &mlv1alpha1.TrainingJobArtifacts{Outputs: []mlv1alpha1.OutputArtifact{{Name: "model", Type: mlv1alpha1.ArtifactTypeModel}}}
		}
		if len(outputs) > 0 {
			j.Status.Artifacts = &mlv1alpha1.ArtifactsStatus{Outputs: outputs}
		}
		return j
	}
	run := func(name string, phase mlv1alpha1.PipelineRunPhase, outputs ...mlv1alpha1.ArtifactRecord) *mlv1alpha1.PipelineRun {
		r := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Status: mlv1alpha1.PipelineRunStatus{Phase: phase}}
		task := mlv1alpha1.PipelineTaskStatus{Name: "train", Task: "train"}
		if len(outputs) > 0 {
			task.Artifacts = &mlv1alpha1.ArtifactsStatus{Outputs: outputs}
		}
		r.Status.Tasks = []mlv1alpha1.PipelineTaskStatus{{Name: "prepare", Task: "prepare"}, task}
		return r
	}
	factory := mlinformers.NewSharedInformerFactory(mlfake.NewClientset(), 0)
	for _, j := range []*mlv1alpha1.TrainingJob{
		trainJob("done", mlv1alpha1.TrainingJobSucceeded, true, rec("model", "s3://b/ns/TrainingJob/done/uid-done/trainer/model", jobProducer)),
		trainJob("running", mlv1alpha1.TrainingJobRunning, true),
		trainJob("failed", mlv1alpha1.TrainingJobFailed, true),
		trainJob("undeclared", mlv1alpha1.TrainingJobSucceeded, false),
	} {
		if err := factory.Ml().V1alpha1().TrainingJobs().Informer().GetIndexer().Add(j); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*mlv1alpha1.PipelineRun{
		run("run", mlv1alpha1.PipelineRunSucceeded, rec("model", "file:///data/artifacts/ns/PipelineRun/run/uid-run/train/model", runProducer)),
		run("running", mlv1alpha1.PipelineRunRunning),
		run("canceled", mlv1alpha1.PipelineRunCanceled),
	} {
		if err := factory.Ml().V1alpha1().PipelineRuns().Informer().GetIndexer().Add(r); err != nil {
			t.Fatal(err)
		}
	}
	p := producers{jobs: factory.Ml().V1alpha1().TrainingJobs().Lister(), runs: factory.Ml().V1alpha1().PipelineRuns().Lister()}
	fromJob := func(job string) mlv1alpha1.ModelSource {
		return mlv1alpha1.ModelSource{Artifact: &mlv1alpha1.ModelArtifactSource{FromTrainingJob: job, Name: "model"}}
	}
	fromRun := func(run string) mlv1alpha1.ModelSource {
		return mlv1alpha1.ModelSource{Artifact: &mlv1alpha1.ModelArtifactSource{FromPipelineRun: run, Task: "train", Name: "model"}}
	}
	cases := []struct {
		name string
		src  mlv1alpha1.ModelSource
		want resolution
	}{
		{"job produced it", fromJob("done"), resolution{
			URI: "s3://b/ns/TrainingJob/done/uid-done/trainer/model", Reason: ReasonResolved,
			Message: "Serving s3://b/ns/TrainingJob/done/uid-done/trainer/model, artifact model of TrainingJob done",
			Digest:  "sha256:abc", Artifact: "model", Producer: jobProducer,
		}},
		{"job missing", fromJob("gone"), resolution{Reason: ReasonProducerNotFound, Message: "Waiting for TrainingJob gone, which produces artifact model, to exist"}},
		{"job running", fromJob("running"), resolution{Reason: ReasonArtifactNotProduced, Message: "Waiting for TrainingJob running to produce artifact model (it is Running)"}},
		{"job failed", fromJob("failed"), resolution{Reason: ReasonArtifactNotProduced, Final: true, Message: "TrainingJob failed failed without producing artifact model"}},
		{"job never declared it", fromJob("undeclared"), resolution{Reason: ReasonArtifactNotProduced, Final: true,
			Message: "TrainingJob undeclared succeeded without producing artifact model (its spec.artifacts.outputs has no such artifact)"}},
		{"run task produced it", fromRun("run"), resolution{
			URI: "file:///data/artifacts/ns/PipelineRun/run/uid-run/train/model", Reason: ReasonResolved,
			Message: "Serving file:///data/artifacts/ns/PipelineRun/run/uid-run/train/model, artifact model of task train of PipelineRun run",
			Digest:  "sha256:abc", Artifact: "model", Producer: runProducer,
		}},
		{"run missing", fromRun("gone"), resolution{Reason: ReasonProducerNotFound, Message: "Waiting for PipelineRun gone, whose task train produces artifact model, to exist"}},
		{"run running", fromRun("running"), resolution{Reason: ReasonArtifactNotProduced, Message: "Waiting for task train of PipelineRun running to produce artifact model (the run is Running)"}},
		{"run canceled", fromRun("canceled"), resolution{Reason: ReasonArtifactNotProduced, Final: true, Message: "PipelineRun canceled was canceled without its task train producing artifact model"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveSource(tc.src, "ns", p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(resolution{})); diff != "" {
				t.Errorf("resolution (-want +got):\n%s", diff)
			}
		})
	}
}
