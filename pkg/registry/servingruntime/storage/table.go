package storage

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		registryutil.NameColumn(),
		registryutil.Column("Formats", "string", "The model formats the server loads, name:version."),
		registryutil.Column("Protocol", "string", "The protocol the server speaks."),
		registryutil.AgeColumn(),
		registryutil.WideColumn("Image", "string", "The image of the server."),
	}
}

func newClusterTableConvertor() registryutil.TableConvertor[*ml.ClusterServingRuntime] {
	return registryutil.TableConvertor[*ml.ClusterServingRuntime]{
		Columns: columns(),
		Cells: func(r *ml.ClusterServingRuntime, now time.Time) []any {
			return cells(r.Name, r.CreationTimestamp, &r.Spec, now)
		},
	}
}

func newTableConvertor() registryutil.TableConvertor[*ml.ServingRuntime] {
	return registryutil.TableConvertor[*ml.ServingRuntime]{
		Columns: columns(),
		Cells: func(r *ml.ServingRuntime, now time.Time) []any {
			return cells(r.Name, r.CreationTimestamp, &r.Spec, now)
		},
	}
}

func cells(name string, created metav1.Time, s *ml.ServingRuntimeSpec, now time.Time) []any {
	return []any{name, formats(s.SupportedModelFormats), s.Protocol, registryutil.Age(created, now), s.Container.Image}
}

// formats prints the supported formats as name or name:version, comma-separated.
func formats(fs []ml.SupportedModelFormat) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Version != "" {
			out = append(out, f.Name+":"+f.Version)
		} else {
			out = append(out, f.Name)
		}
	}
	return strings.Join(out, ",")
}
