package trainingjob

import (
	"testing"
	"time"

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

func makeJob() *mltesting.TrainingJobWrapper {
	return mltesting.MakeTrainingJob("resnet", registrytest.Namespace).Framework(ml.FrameworkPyTorch).Replicas(2)
}

func TestStrategies(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	registrytest.StrategyContract[*ml.TrainingJob]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.TrainingJob { return makeJob().Obj() },
		ChangeSpec:     func(j *ml.TrainingJob) { j.Spec.Suspend = true },
		SetStatus: func(j *ml.TrainingJob) {
			j.Status.Phase = ml.TrainingJobRunning
			j.Status.ObservedGeneration = 1
			j.Status.StartTime = &started
			j.Status.Replicas, j.Status.ReadyReplicas = 2, 1
			j.Status.LatestMetrics = []ml.MetricValue{{Name: "loss", Value: 0.25, Step: 10}}
		},
		Invalidate:       func(j *ml.TrainingJob) { j.Spec.Replicas = ptr.To[int32](-1) },
		InvalidateStatus: func(j *ml.TrainingJob) { j.Status.ReadyReplicas = -1 },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "TrainingJob", GetAttrs, map[string]registrytest.AttrsCase{
		"running PyTorch job": {
			Obj:        makeJob().Label("team", "vision").Phase(ml.TrainingJobRunning).Obj(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{
				"metadata.name": "resnet", "metadata.namespace": registrytest.Namespace,
				"status.phase": "Running", "spec.framework": "PyTorch",
			},
		},
		"new generic job": {
			Obj: mltesting.MakeTrainingJob("sweep", registrytest.Namespace).Obj(),
			WantFields: fields.Set{
				"metadata.name": "sweep", "metadata.namespace": registrytest.Namespace,
				"status.phase": "", "spec.framework": "Generic",
			},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "TrainingJob", map[string]string{
		"metadata.name":         "",
		"metadata.namespace":    "",
		"status.phase":          "",
		"spec.framework":        "",
		"spec.image":            "field label not supported: spec.image",
		"spec.pipelineRef.name": "field label not supported: spec.pipelineRef.name",
	})
}
