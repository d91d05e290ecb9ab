package controller

import (
	"context"

	"ml.example.io/ml-apiserver/pkg/controller/logarchive"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/controller/notebook"
	"ml.example.io/ml-apiserver/pkg/controller/pipelinerun"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
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
}

// initializers are every controller, in start order. The log archiver
// needs the core API: in standalone mode the TrainingJob and PipelineRun
// controllers archive a replica's log before they remove it, which covers
// every removal there.
var initializers = []initializer{
	{name: TrainingJobController, init: startTrainingJobController},
	{name: ModelController, init: startModelController},
	{name: NotebookController, init: startNotebookController},
	{name: PipelineRunController, init: startPipelineRunController},
	{name: MetricsController, init: startMetricsController},
	{name: LogArchiveController, init: startLogArchiveController, needsKubeAPI: true},
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

func startLogArchiveController(_ context.Context, cc Context) (Controller, error) {
	return logarchive.New(logarchive.Config{
		Pods:     cc.KubeInformers.Core().V1().Pods(),
		Archiver: logarchive.APIArchiver{Client: cc.MLClient},
	})
}
