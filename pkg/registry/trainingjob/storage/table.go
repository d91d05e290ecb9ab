package storage

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.TrainingJob] {
	return registryutil.TableConvertor[*ml.TrainingJob]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.PhaseColumn(),
			registryutil.Column("Replicas", "integer", "The desired number of workers."),
			registryutil.Column("Ready", "string", "Ready workers out of the desired number."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Framework", "string", "The distributed-training framework."),
			registryutil.WideColumn("Image", "string", "The image of the workers."),
			registryutil.WideColumn("Latest Metric", "string", "The last value of the job's first metric series."),
		},
		Cells: trainingJobCells,
	}
}

func trainingJobCells(job *ml.TrainingJob, now time.Time) []any {
	// Defaulting sets replicas; an unset value means the documented default.
	replicas := ptr.Deref(job.Spec.Replicas, 1)
	return []any{
		job.Name,
		string(job.Status.Phase),
		int64(replicas),
		registryutil.Ratio(job.Status.ReadyReplicas, replicas),
		registryutil.Age(job.CreationTimestamp, now),
		string(job.Spec.Framework),
		job.Spec.Image,
		latestMetric(job.Status.LatestMetrics),
	}
}

// latestMetric prints the first metric as name=value, with 4 significant digits.
func latestMetric(metrics []ml.MetricValue) string {
	if len(metrics) == 0 {
		return ""
	}
	m := metrics[0]
	return m.Name + "=" + strconv.FormatFloat(m.Value, 'g', 4, 64)
}
