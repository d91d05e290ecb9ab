package apiserver

import (
	"fmt"

	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"ml.example.io/ml-apiserver/pkg/registry/logs"
	modelstorage "ml.example.io/ml-apiserver/pkg/registry/model/storage"
	notebookstorage "ml.example.io/ml-apiserver/pkg/registry/notebook/storage"
	pipelinerunstorage "ml.example.io/ml-apiserver/pkg/registry/pipelinerun/storage"
	trainingjobstorage "ml.example.io/ml-apiserver/pkg/registry/trainingjob/storage"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// installLogs adds the log subresources of TrainingJobs, PipelineRuns,
// Models and Notebooks to storage: live logs from LogSource (or
// kube-apiserver's pods/log through KubeClient), archived logs in an etcd
// LogStore on the data etcd, swept for logs of deleted objects.
func (c completedConfig) installLogs(s *Server, storage map[string]rest.Storage, data *dataStores) error {
	deps := logs.Deps{Source: c.ExtraConfig.LogSource}
	if deps.Source == nil && c.ExtraConfig.KubeClient != nil {
		deps.Source = workloadkubernetes.NewLogSource(c.ExtraConfig.KubeClient)
	}
	if data.logs != nil {
		deps.Archive = data.logs
	}
	job, ok1 := storage["trainingjobs"].(*trainingjobstorage.REST)
	run, ok2 := storage["pipelineruns"].(*pipelinerunstorage.REST)
	model, ok3 := storage["models"].(*modelstorage.REST)
	notebook, ok4 := storage["notebooks"].(*notebookstorage.REST)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fmt.Errorf("logs: unexpected storage types")
	}
	storage["trainingjobs/log"] = trainingjobstorage.NewLogREST(job, deps)
	storage["pipelineruns/log"] = pipelinerunstorage.NewLogREST(run, deps)
	storage["models/log"] = modelstorage.NewLogREST(model, deps)
	storage["notebooks/log"] = notebookstorage.NewLogREST(notebook, deps)
	if deps.Archive != nil {
		objects := map[string]rest.Getter{"trainingjobs": job, "pipelineruns": run, "models": model, "notebooks": notebook}
		return s.GenericAPIServer.AddPostStartHook("ml-log-archive-sweep", func(ctx genericapiserver.PostStartHookContext) error {
			go logs.SweepOrphans(ctx, deps.Archive, objects, logs.DefaultSweepPeriod)
			return nil
		})
	}
	return nil
}
