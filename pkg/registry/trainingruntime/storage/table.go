package storage

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		registryutil.NameColumn(),
		registryutil.Column("Framework", "string", "The framework whose environment the jobs get."),
		registryutil.Column("Replicas", "string", "The replicas (nodes) of a job, unless the job says."),
		registryutil.Column("Procs", "string", "The processes per replica, unless the job says."),
		registryutil.AgeColumn(),
		registryutil.WideColumn("Image", "string", "The image of the replicas."),
	}
}

func newClusterTableConvertor() registryutil.TableConvertor[*ml.ClusterTrainingRuntime] {
	return registryutil.TableConvertor[*ml.ClusterTrainingRuntime]{
		Columns: columns(),
		Cells: func(r *ml.ClusterTrainingRuntime, now time.Time) []any {
			return templateCells(r.Name, r.CreationTimestamp, &r.Spec.Template, now)
		},
	}
}

func newTableConvertor() registryutil.TableConvertor[*ml.TrainingRuntime] {
	return registryutil.TableConvertor[*ml.TrainingRuntime]{
		Columns: columns(),
		Cells: func(r *ml.TrainingRuntime, now time.Time) []any {
			return templateCells(r.Name, r.CreationTimestamp, &r.Spec.Template, now)
		},
	}
}

func templateCells(name string, created metav1.Time, t *ml.TrainingRuntimeTemplate, now time.Time) []any {
	return []any{name, string(t.Framework), count(t.Replicas), count(t.NumProcPerNode), registryutil.Age(created, now), t.Image}
}

// count prints an optional count, "<unset>" when the job decides.
func count(v *int32) string {
	if v == nil {
		return "<unset>"
	}
	return strconv.FormatInt(int64(*v), 10)
}
