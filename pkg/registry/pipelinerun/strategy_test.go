package pipelinerun

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makeRun() *mltesting.PipelineRunWrapper {
	return mltesting.MakePipelineRun("nightly", registrytest.Namespace).PipelineRef("train")
}

func TestStrategies(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	registrytest.StrategyContract[*ml.PipelineRun]{
		Strategy:       NewStrategy(scheme.Scheme),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.PipelineRun { return makeRun().Obj() },
		ChangeSpec:     func(r *ml.PipelineRun) { r.Spec.Suspend = true },
		SetStatus: func(r *ml.PipelineRun) {
			r.Status.Phase = ml.PipelineRunRunning
			r.Status.ObservedGeneration = 1
			r.Status.StartTime = &started
			r.Status.Tasks = []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskRunning}}
		},
		Invalidate:       func(r *ml.PipelineRun) { r.Spec.PipelineRef = nil },
		InvalidateStatus: func(r *ml.PipelineRun) { r.Status.Phase = "Sleeping" },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "PipelineRun", GetAttrs, map[string]registrytest.AttrsCase{
		"run of a pipeline": {
			Obj:        makeRun().Label("team", "vision").Phase(ml.PipelineRunSucceeded).Obj(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{
				"metadata.name": "nightly", "metadata.namespace": registrytest.Namespace,
				"status.phase": "Succeeded", "spec.pipelineRef.name": "train",
			},
		},
		"inline pipeline": {
			Obj: makeRun().PipelineSpec(mltesting.MakePipeline("x", "").Tasks(mltesting.MakeTask("fit").Obj()).Spec()).Obj(),
			WantFields: fields.Set{
				"metadata.name": "nightly", "metadata.namespace": registrytest.Namespace,
				"status.phase": "", "spec.pipelineRef.name": "",
			},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "PipelineRun", map[string]string{
		"metadata.name":         "",
		"metadata.namespace":    "",
		"status.phase":          "",
		"spec.pipelineRef.name": "",
		"spec.suspend":          "field label not supported: spec.suspend",
		"spec.framework":        "field label not supported: spec.framework",
		"status.startTime":      "field label not supported: status.startTime",
	})
}
