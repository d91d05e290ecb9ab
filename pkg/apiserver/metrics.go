package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	modelstorage "ml.example.io/ml-apiserver/pkg/registry/model/storage"
	pipelinerunstorage "ml.example.io/ml-apiserver/pkg/registry/pipelinerun/storage"
	trainingjobstorage "ml.example.io/ml-apiserver/pkg/registry/trainingjob/storage"
)

// installMetrics adds the metrics subresources of TrainingJobs,
// PipelineRuns and Models to storage, over an etcd MetricStore, and the
// post-start hook writing status.latestMetrics.
func (c completedConfig) installMetrics(s *Server, storage map[string]rest.Storage, data *dataStores) error {
	if data.metrics == nil {
		return nil
	}
	store := data.metrics
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

	job, ok1 := storage["trainingjobs"].(*trainingjobstorage.REST)
	jobStatus, ok2 := storage["trainingjobs/status"].(*trainingjobstorage.StatusREST)
	run, ok3 := storage["pipelineruns"].(*pipelinerunstorage.REST)
	model, ok4 := storage["models"].(*modelstorage.REST)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("metrics: unexpected storage types")
	}
	jobMetrics, latest := trainingjobstorage.NewMetricsREST(job, jobStatus, store, writers)
	runMetrics := pipelinerunstorage.NewMetricsREST(run, store, writers)
	modelMetrics := modelstorage.NewMetricsREST(model, store, writers)
	for _, r := range []*metrics.REST{jobMetrics.REST, runMetrics.REST, modelMetrics.REST} {
		r.SetQueryLimits(c.ExtraConfig.DataLimits.MetricsQuery)
	}
	storage["trainingjobs/metrics"] = jobMetrics
	storage["pipelineruns/metrics"] = runMetrics
	storage["models/metrics"] = modelMetrics

	s.GenericAPIServer.AddPostStartHookOrDie("ml-metrics-latest", func(ctx genericapiserver.PostStartHookContext) error {
		go latest.Run(ctx)
		return nil
	})
	return nil
}
