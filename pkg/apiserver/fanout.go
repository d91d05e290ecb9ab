package apiserver

import (
	pipelinerunstorage "ml.example.io/ml-apiserver/pkg/registry/pipelinerun/storage"
)

// tasksConfig is the configuration of the tasks subresource of
// PipelineRuns: the instances of forEach tasks, in the task store of the
// data etcd; none without one.
func (c completedConfig) tasksConfig(data *dataStores) pipelinerunstorage.TasksConfig {
	tc := pipelinerunstorage.TasksConfig{MaxPage: c.ExtraConfig.MaxTasksPage}
	if data.tasks != nil {
		tc.Store = data.tasks
	}
	return tc
}
