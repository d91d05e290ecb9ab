package pipeline

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makePipeline() *mltesting.PipelineWrapper {
	return mltesting.MakePipeline("train", registrytest.Namespace).Tasks(mltesting.MakeTask("fit").Obj())
}

func TestStrategies(t *testing.T) {
	registrytest.StrategyContract[*ml.Pipeline]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.Pipeline { return makePipeline().Obj() },
		ChangeSpec:     func(p *ml.Pipeline) { p.Spec.Tasks = append(p.Spec.Tasks, mltesting.MakeTask("eval").Obj()) },
		SetStatus: func(p *ml.Pipeline) {
			p.Status.Phase = "Valid"
			p.Status.ObservedGeneration = 1
			p.Status.Conditions = []metav1.Condition{mltesting.Condition("Valid", metav1.ConditionTrue, "TasksResolved")}
		},
		Invalidate:       func(p *ml.Pipeline) { p.Spec.Tasks = nil },
		InvalidateStatus: func(p *ml.Pipeline) { p.Status.ObservedGeneration = -1 },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "Pipeline", GetAttrs, map[string]registrytest.AttrsCase{
		"new pipeline": {
			Obj:        makePipeline().Obj(),
			WantFields: fields.Set{"metadata.name": "train", "metadata.namespace": registrytest.Namespace, "status.phase": ""},
		},
		"labeled pipeline with a phase": {
			Obj: func() *ml.Pipeline {
				p := makePipeline().Label("team", "vision").Obj()
				p.Status.Phase = "Valid"
				return p
			}(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{"metadata.name": "train", "metadata.namespace": registrytest.Namespace, "status.phase": "Valid"},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "Pipeline", map[string]string{
		"metadata.name":         "",
		"metadata.namespace":    "",
		"status.phase":          "",
		"spec.description":      "field label not supported: spec.description",
		"spec.pipelineRef.name": "field label not supported: spec.pipelineRef.name",
	})
}
