package model

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makeModel() *mltesting.ModelWrapper {
	return mltesting.MakeModel("resnet", registrytest.Namespace)
}

func TestStrategies(t *testing.T) {
	registrytest.StrategyContract[*ml.Model]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.Model { return makeModel().Obj() },
		ChangeSpec:     func(m *ml.Model) { m.Spec.Replicas = ptr.To[int32](3) },
		SetStatus: func(m *ml.Model) {
			m.Status.Phase = ml.ModelReady
			m.Status.ObservedGeneration = 1
			m.Status.URL = "http://resnet.team-a.svc:8080"
			m.Status.Replicas, m.Status.ReadyReplicas = 1, 1
			m.Status.Conditions = []metav1.Condition{mltesting.Condition("Ready", metav1.ConditionTrue, "DeploymentAvailable")}
		},
		Invalidate:       func(m *ml.Model) { m.Spec.Source = ml.ModelSource{} },
		InvalidateStatus: func(m *ml.Model) { m.Status.Phase = "Serving" },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "Model", GetAttrs, map[string]registrytest.AttrsCase{
		"served from a training job": {
			Obj:        makeModel().SourceTrainingJob("train").Label("team", "vision").Phase(ml.ModelReady).Obj(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{
				"metadata.name": "resnet", "metadata.namespace": registrytest.Namespace,
				"status.phase": "Ready", "spec.source.trainingJobRef.name": "train",
			},
		},
		"served from a URI": {
			Obj: makeModel().SourceURI("s3://models/resnet").Obj(),
			WantFields: fields.Set{
				"metadata.name": "resnet", "metadata.namespace": registrytest.Namespace,
				"status.phase": "", "spec.source.trainingJobRef.name": "",
			},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "Model", map[string]string{
		"metadata.name":                   "",
		"metadata.namespace":              "",
		"status.phase":                    "",
		"spec.source.trainingJobRef.name": "",
		"spec.source.uri":                 "field label not supported: spec.source.uri",
		"status.url":                      "field label not supported: status.url",
	})
}
