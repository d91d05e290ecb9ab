package apiserver

import (
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"ml.example.io/ml-apiserver/pkg/registry/logs"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// logDeps are the dependencies of the log subresources of TrainingJobs,
// PipelineRuns, Models and Notebooks: live logs from LogSource (or
// kube-apiserver's pods/log through KubeClient), archived logs in an etcd
// LogStore on the data etcd.
func (c completedConfig) logDeps(data *dataStores) logs.Deps {
	deps := logs.Deps{Source: c.ExtraConfig.LogSource}
	if deps.Source == nil && c.ExtraConfig.KubeClient != nil {
		deps.Source = workloadkubernetes.NewLogSource(c.ExtraConfig.KubeClient)
	}
	if data.logs != nil {
		deps.Archive = data.logs
	}
	return deps
}

// sweepLogArchives adds the post-start hook sweeping the archived logs of
// deleted objects, when there is an archive.
func sweepLogArchives(s *Server, storage *v1alpha1Storage, data *dataStores) error {
	if data.logs == nil {
		return nil
	}
	objects := map[string]rest.Getter{
		"trainingjobs": storage.trainingJobs.TrainingJob,
		"pipelineruns": storage.pipelineRuns.PipelineRun,
		"models":       storage.models.Model,
		"notebooks":    storage.notebooks.Notebook,
	}
	return s.GenericAPIServer.AddPostStartHook("ml-log-archive-sweep", func(ctx genericapiserver.PostStartHookContext) error {
		go logs.SweepOrphans(ctx, data.logs, objects, logs.DefaultSweepPeriod)
		return nil
	})
}
