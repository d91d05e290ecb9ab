package storage

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.Pipeline] {
	return registryutil.TableConvertor[*ml.Pipeline]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.Column("Tasks", "integer", "The number of tasks, finally tasks included."),
			registryutil.Column("Params", "integer", "The number of parameters the pipeline takes."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Description", "string", "What the pipeline does."),
		},
		Cells: pipelineCells,
	}
}

func pipelineCells(p *ml.Pipeline, now time.Time) []any {
	return []any{
		p.Name,
		int64(len(p.Spec.Tasks) + len(p.Spec.Finally)),
		int64(len(p.Spec.Params)),
		registryutil.Age(p.CreationTimestamp, now),
		p.Spec.Description,
	}
}
