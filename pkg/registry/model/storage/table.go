package storage

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.Model] {
	return registryutil.TableConvertor[*ml.Model]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.PhaseColumn(),
			registryutil.Column("Ready", "string", "Ready server replicas out of the desired number."),
			registryutil.Column("URL", "string", "The URL the model is served at."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Source", "string", "Where the model files come from: a URI or trainingjob/<name>."),
			registryutil.WideColumn("Canary", "string", "The share of traffic the canary gets."),
		},
		Cells: modelCells,
	}
}

func modelCells(m *ml.Model, now time.Time) []any {
	canary := ""
	if m.Spec.Canary != nil {
		canary = fmt.Sprintf("%d%%", m.Spec.Canary.TrafficPercent)
	}
	return []any{
		m.Name,
		string(m.Status.Phase),
		// Defaulting sets replicas; an unset value means the documented default.
		registryutil.Ratio(m.Status.ReadyReplicas, ptr.Deref(m.Spec.Replicas, 1)),
		m.Status.URL,
		registryutil.Age(m.CreationTimestamp, now),
		source(m.Spec.Source),
		canary,
	}
}

// source prints a model source like kubectl prints object references.
func source(s ml.ModelSource) string {
	if s.TrainingJobRef != nil {
		return "trainingjob/" + s.TrainingJobRef.Name
	}
	return s.URI
}
