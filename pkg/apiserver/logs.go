package apiserver

import (
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// logDeps are the dependencies of the log subresources of TrainingJobs,
// PipelineRuns, Models and Notebooks: live logs from LogSource (or
// kube-apiserver's pods/log through KubeClient), archived logs in an etcd
// LogStore on the data etcd, and one limit of follows for all of them.
func (c completedConfig) logDeps(data *dataStores) logs.Deps {
	deps := logs.Deps{Source: c.ExtraConfig.LogSource, Follows: logs.NewFollowLimit(c.ExtraConfig.LogMaxFollows)}
	if deps.Source == nil && c.ExtraConfig.KubeClient != nil {
		deps.Source = workloadkubernetes.NewLogSource(c.ExtraConfig.KubeClient)
	}
	if data.logs != nil {
		deps.Archive = data.logs
	}
	return deps
}
