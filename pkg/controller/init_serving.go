package controller

import (
	"context"

	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/controller/notebook"
)

func init() {
	initializers[ModelController] = startModelController
	initializers[NotebookController] = startNotebookController
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
