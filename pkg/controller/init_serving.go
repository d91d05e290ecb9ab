package controller

import (
	"context"

	"ml.example.io/ml-apiserver/pkg/controller/model"
)

func init() {
	initializers[ModelController] = startModelController
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
