package apiserver

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapiserver "k8s.io/apiserver/pkg/server"

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

// runLatestMetrics adds the post-start hook writing status.latestMetrics
// of TrainingJobs, when they serve metrics.
func runLatestMetrics(s *Server, storage *v1alpha1Storage) {
	latest := storage.trainingJobs.LatestMetrics
	if latest == nil {
		return
	}
	s.GenericAPIServer.AddPostStartHookOrDie("ml-metrics-latest", func(ctx genericapiserver.PostStartHookContext) error {
		go latest.Run(ctx)
		return nil
	})
}
