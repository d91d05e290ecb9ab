package storage

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.Notebook] {
	return registryutil.TableConvertor[*ml.Notebook]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.PhaseColumn(),
			registryutil.Column("URL", "string", "The URL the notebook is reachable at."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Image", "string", "The notebook server image."),
			registryutil.WideColumn("Last Activity", "string", "The time since the last kernel activity."),
		},
		Cells: notebookCells,
	}
}

func notebookCells(nb *ml.Notebook, now time.Time) []any {
	return []any{
		nb.Name,
		string(nb.Status.Phase),
		nb.Status.URL,
		registryutil.Age(nb.CreationTimestamp, now),
		nb.Spec.Image,
		registryutil.Since(nb.Status.LastActivityTime, now),
	}
}
