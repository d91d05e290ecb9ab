package controller

import (
	"context"
	"fmt"

	"ml.example.io/ml-apiserver/pkg/controller/logarchive"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/controller/notebook"
	"ml.example.io/ml-apiserver/pkg/controller/pipelinerun"
	"ml.example.io/ml-apiserver/pkg/controller/recurringrun"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
	"ml.example.io/ml-apiserver/pkg/controller/tuningjob"
)

// initializer is how the manager builds one controller.
type initializer struct {
	// name is the controller's name in --controllers.
	name string
	// init builds the controller.
	init InitFunc
	// needsKubeAPI is set for a controller that watches objects in
	// kube-apiserver and has no standalone counterpart; standalone mode
	// skips it.
	needsKubeAPI bool
	// needs, when set, names the store of the data etcd the controller
	// needs and the manager lacks ("" when it has them); such a controller
	// is skipped outside an API server.
	needs func(DataStores) string
}

// initializers are every controller, in start order. The log archiver
// watches pods on a cluster; in standalone mode it has the local runtime
// archive each process's log once it ended, and an earlier run's logs
// before the other controllers start.
// The quota usage reconciler needs the core API (the MLQuota plugin, whose
// records it keeps, runs only against a cluster). The latest-metrics writer
// and the archive sweep need the data etcd.
var initializers = []initializer{
	{name: TrainingJobController, init: startTrainingJobController},
	{name: ModelController, init: startModelController},
	{name: NotebookController, init: startNotebookController},
	{name: PipelineRunController, init: startPipelineRunController},
	{name: RecurringRunController, init: startRecurringRunController},
	{name: MetricsController, init: startMetricsController},
	{name: LogArchiveController, init: startLogArchiveController},
	{name: LatestMetricsController, init: startLatestMetricsController, needs: needsMetricStore},
	{name: TuningJobController, init: startTuningJobController, needs: needsMetricStore},
	{name: LogArchiveSweepController, init: startLogArchiveSweepController, needs: needsLogStore},
	{name: QuotaUsageController, init: startQuotaUsageController, needsKubeAPI: true},
	{name: ProfileController, init: startProfileController, needsKubeAPI: true},
}

func startTrainingJobController(_ context.Context, cc Context) (Controller, error) {
	return trainingjob.New(trainingjob.Config{
		Client:       cc.MLClient,
		Jobs:         cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runtime:      logarchive.ArchiveBeforeDelete(cc.Runtime, logarchive.APIArchiver{Client: cc.MLClient}),
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
		BackoffBase:  cc.ReplicaBackoff.Base, BackoffMax: cc.ReplicaBackoff.Max,
	})
}

func startModelController(_ context.Context, cc Context) (Controller, error) {
	return model.New(model.Config{
		Client:       cc.MLClient,
		Models:       cc.MLInformers.Ml().V1alpha1().Models(),
		Jobs:         cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runs:         cc.MLInformers.Ml().V1alpha1().PipelineRuns(),
		Pull:         modelPull(cc),
		Fetcher:      modelFetcher(cc),
		Runtime:      cc.Runtime,
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
	})
}

func startNotebookController(_ context.Context, cc Context) (Controller, error) {
	return notebook.New(notebook.Config{
		Client:       cc.MLClient,
		Notebooks:    cc.MLInformers.Ml().V1alpha1().Notebooks(),
		Runtime:      cc.Runtime,
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
	})
}

func startPipelineRunController(_ context.Context, cc Context) (Controller, error) {
	return pipelinerun.New(pipelinerun.Config{
		Client:          cc.MLClient,
		Runs:            cc.MLInformers.Ml().V1alpha1().PipelineRuns(),
		Runtime:         logarchive.ArchiveBeforeDelete(cc.Runtime, logarchive.APIArchiver{Client: cc.MLClient}),
		Recorder:        cc.Recorder,
		Clock:           cc.Clock,
		FieldManager:    FieldManager,
		MaxForEachItems: cc.MaxForEachItems,
		WhenCELCost:     cc.WhenCELCost,
		MaxRunInstances: cc.MaxRunInstances,
	})
}

func startRecurringRunController(_ context.Context, cc Context) (Controller, error) {
	v1 := cc.MLInformers.Ml().V1alpha1()
	return recurringrun.New(recurringrun.Config{
		Client:         cc.MLClient,
		RecurringRuns:  v1.RecurringRuns(),
		PipelineRuns:   v1.PipelineRuns(),
		TrainingJobs:   v1.TrainingJobs(),
		Recorder:       cc.Recorder,
		Clock:          cc.Clock,
		FieldManager:   FieldManager,
		MaxCatchUpRuns: cc.MaxCatchUpRuns,
	})
}

// startTuningJobController builds the TuningJob controller, which reads
// the trials' objective from the metric store.
func startTuningJobController(_ context.Context, cc Context) (Controller, error) {
	v1 := cc.MLInformers.Ml().V1alpha1()
	return tuningjob.New(tuningjob.Config{
		Client:       cc.MLClient,
		TuningJobs:   v1.TuningJobs(),
		TrainingJobs: v1.TrainingJobs(),
		PipelineRuns: v1.PipelineRuns(),
		Metrics:      tuningjob.StoreMetrics{Store: cc.Data.Metrics},
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
	})
}

// startMetricsController builds the StdOut metrics collector; with a core
// Kubernetes API it also grants jobs' pods the right to push metrics.
func startMetricsController(_ context.Context, cc Context) (Controller, error) {
	c := metricscollector.Config{
		Jobs:     cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Replicas: cc.Runtime,
		Logs:     cc.ReplicaLogs,
		API:      metricscollector.ClientAPI{Client: cc.MLClient},
		Clock:    cc.Clock,
	}
	if cc.KubeClient != nil {
		c.Access = &metricscollector.Access{Client: cc.KubeClient, FieldManager: FieldManager}
	}
	return metricscollector.New(c)
}

func startLogArchiveController(ctx context.Context, cc Context) (Controller, error) {
	if cc.KubeInformers == nil {
		rt, ok := cc.Runtime.(logarchive.LocalRuntime)
		if !ok {
			return nil, fmt.Errorf("the runtime %T keeps no logs", cc.Runtime)
		}
		return logarchive.NewLocal(ctx, rt, logarchive.APIArchiver{Client: cc.MLClient}), nil
	}
	return logarchive.New(logarchive.Config{
		Pods:     cc.KubeInformers.Core().V1().Pods(),
		Archiver: logarchive.APIArchiver{Client: cc.MLClient},
	})
}
