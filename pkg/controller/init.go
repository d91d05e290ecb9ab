package controller

import (
	"context"

	"ml.example.io/ml-apiserver/pkg/controller/pipelinerun"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
)

// initializers build the controllers that exist; the other known names
// are accepted and reported as not built yet.
var initializers = map[string]InitFunc{
	TrainingJobController: startTrainingJobController,
	PipelineRunController: startPipelineRunController,
}

func startTrainingJobController(_ context.Context, cc Context) (Controller, error) {
	return trainingjob.New(trainingjob.Config{
		Client:       cc.MLClient,
		Jobs:         cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Runtime:      cc.Runtime,
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
	})
}

func startPipelineRunController(_ context.Context, cc Context) (Controller, error) {
	return pipelinerun.New(pipelinerun.Config{
		Client:       cc.MLClient,
		Runs:         cc.MLInformers.Ml().V1alpha1().PipelineRuns(),
		Runtime:      cc.Runtime,
		Recorder:     cc.Recorder,
		Clock:        cc.Clock,
		FieldManager: FieldManager,
	})
}
