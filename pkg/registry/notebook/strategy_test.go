package notebook

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makeNotebook() *mltesting.NotebookWrapper {
	return mltesting.MakeNotebook("lab", registrytest.Namespace)
}

func TestStrategies(t *testing.T) {
	active := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	registrytest.StrategyContract[*ml.Notebook]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.Notebook { return makeNotebook().Obj() },
		ChangeSpec:     func(nb *ml.Notebook) { nb.Spec.Stopped = true },
		SetStatus: func(nb *ml.Notebook) {
			nb.Status.Phase = ml.NotebookRunning
			nb.Status.ObservedGeneration = 1
			nb.Status.URL = "http://lab.team-a.svc:8888"
			nb.Status.LastActivityTime = &active
			nb.Status.Replicas, nb.Status.ReadyReplicas = 1, 1
		},
		Invalidate:       func(nb *ml.Notebook) { nb.Spec.Image = "" },
		InvalidateStatus: func(nb *ml.Notebook) { nb.Status.Selector = "app in (" },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "Notebook", GetAttrs, map[string]registrytest.AttrsCase{
		"running notebook": {
			Obj:        makeNotebook().Label("team", "vision").Phase(ml.NotebookRunning).Obj(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{"metadata.name": "lab", "metadata.namespace": registrytest.Namespace, "status.phase": "Running"},
		},
		"new notebook": {
			Obj:        makeNotebook().Obj(),
			WantFields: fields.Set{"metadata.name": "lab", "metadata.namespace": registrytest.Namespace, "status.phase": ""},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "Notebook", map[string]string{
		"metadata.name":      "",
		"metadata.namespace": "",
		"status.phase":       "",
		"spec.image":         "field label not supported: spec.image",
		"spec.stopped":       "field label not supported: spec.stopped",
	})
}
