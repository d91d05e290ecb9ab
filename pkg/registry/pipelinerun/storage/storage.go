// Package storage holds the etcd storage of PipelineRuns and of their
// status, log and metrics subresources, and how kubectl prints them.
package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/registry/pipelinerun"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// PipelineRunStorage is the storage of PipelineRuns and of their
// subresources.
type PipelineRunStorage struct {
	PipelineRun *REST
	Status      *registryutil.StatusREST
	// Snapshots holds the snapshot of each run's pipeline.
	Snapshots *Snapshots
	// Log shows the logs of the tasks' pods (see logKind).
	Log *logs.REST
	// Pipeline is the snapshot of the pipeline the run executes.
	Pipeline *PipelineREST
	// Metrics are the series of the run's tasks: POSTed series carry
	// `task`, and GET selects one task with the `task` option. Nil without
	// a metric store.
	Metrics *metrics.REST
	// Tasks are the instances of the run's forEach tasks. Nil without a
	// task store.
	Tasks *TasksREST
}

// NewStorage returns the storage of PipelineRuns, validated against the
// caps in o, and of their subresources: logs from logDeps, metrics in the
// store of metricDeps, forEach instances in the store of tasks.
func NewStorage(o registryutil.StorageOptions, logDeps logs.Deps, metricDeps metrics.Deps, tasks TasksConfig) (PipelineRunStorage, error) {
	statusStrategy := pipelinerun.NewStatusStrategy(o.Scheme)
	store, _, err := registryutil.NewStore(o.RESTOptions, registryutil.Resource{
		Name: "pipelineruns", Singular: "pipelinerun", ShortNames: []string{"plr"},
		NewFunc:        func() runtime.Object { return &ml.PipelineRun{} },
		NewListFunc:    func() runtime.Object { return &ml.PipelineRunList{} },
		GetAttrs:       pipelinerun.GetAttrs,
		Strategy:       pipelinerun.NewStrategy(o.Scheme, o.Validation),
		StatusStrategy: statusStrategy,
		TableConvertor: newTableConvertor(),
	})
	if err != nil {
		return PipelineRunStorage{}, err
	}
	snapshots, destroy, err := newSnapshots(o.RESTOptions, o.Scheme)
	if err != nil {
		store.Store.Destroy()
		return PipelineRunStorage{}, err
	}
	// Every write of a run, through the status store too, moves a
	// snapshot the run carries to the snapshot store.
	withSnapshots(store.Store, snapshots, destroy)
	status := registryutil.NewStatusREST(store.Store, statusStrategy)
	// Deleting an object from the main store deletes its snapshot, metric
	// series and archived logs. The status store, a copy made before, does
	// not.
	deleteSnapshotsWithRuns(store.Store, snapshots)
	metrics.DeleteWithOwner(store.Store, "pipelineruns", metricDeps.Store)
	logstore.DeleteWithOwner(store.Store, logDeps.Archive)
	deleteTasksWithRuns(store.Store, tasks.Store)
	s := PipelineRunStorage{PipelineRun: &REST{REST: store, snapshots: snapshots}, Status: status, Snapshots: snapshots}
	s.Pipeline = &PipelineREST{runs: store.Store, snapshots: snapshots}
	s.Log = logs.NewREST(logDeps.Config(ml.Resource("pipelineruns"), store, newLogKind(snapshots, tasks.Store)))
	if metricDeps.Store != nil {
		c := metricDeps.Config("pipelineruns", "PipelineRun", store)
		c.WithTasks = true
		s.Metrics = metrics.NewREST(c)
	}
	if tasks.Store != nil {
		tasks.Validation = o.Validation
		s.Tasks = &TasksREST{runs: store.Store, c: tasks}
	}
	return s, nil
}
