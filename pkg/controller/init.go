package controller

import (
	"context"

	"ml.example.io/ml-apiserver/pkg/controller/logarchive"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	"ml.example.io/ml-apiserver/pkg/controller/pipelinerun"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
)

// initializers build the controllers that exist; the other known names
// are accepted and reported as not built yet.
var initializers = map[string]InitFunc{
	TrainingJobController: startTrainingJobController,
	PipelineRunController: startPipelineRunController,
	MetricsController:     startMetricsController,
	LogArchiveController:  startLogArchiveController,
}

func startTrainingJobController(_ context.Context, cc Context) (Controller, error) {
	return trainingjob.New(trainingjob.Config{
		Client:       cc.MLClient,
		Jobs:         cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runtime:      logarchive.ArchiveBeforeDelete(cc.Runtime, logarchive.APIArchiver{Client: cc.MLClient}),
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

func startMetricsController(_ context.Context, cc Context) (Controller, error) {
	return metricscollector.New(metricscollector.Config{
		Jobs:     cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Replicas: cc.Runtime,
		Logs:     metricscollector.KubeLogs{Client: cc.KubeClient},
		API:      metricscollector.ClientAPI{Client: cc.MLClient},
		Clock:    cc.Clock,
		Access:   &metricscollector.Access{Client: cc.KubeClient, FieldManager: FieldManager},
	})
}

func startLogArchiveController(_ context.Context, cc Context) (Controller, error) {
	return logarchive.New(logarchive.Config{
		Pods:     cc.KubeInformers.Core().V1().Pods(),
		Archiver: logarchive.APIArchiver{Client: cc.MLClient},
	})
}
