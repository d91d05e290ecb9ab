package apiserver

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/registry/metrics"
)

// metricDeps are the dependencies of the metrics subresources of
// TrainingJobs, PipelineRuns and Models: an etcd MetricStore on the data
// etcd, and the checks of the writers. None without a data etcd, and then
// no metrics subresource is served.
func (c completedConfig) metricDeps(data *dataStores) metrics.Deps {
	if data.metrics == nil {
		return metrics.Deps{}
	}
	podBinding := &metrics.PodBinding{}
	if kube := c.ExtraConfig.KubeClient; kube != nil {
		podBinding.Pods = func(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
			return kube.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	}
	writers := metrics.WriterChecks{podBinding}
	if w := c.ExtraConfig.MetricsOwners; w != nil {
		writers = append(writers, w)
	}
	return metrics.Deps{Store: data.metrics, Writers: writers, Limits: c.ExtraConfig.DataLimits.MetricsQuery}
}
