package testing

// Images of the objects the New builders make; any non-empty image is
// valid.
const (
	TrainerImage  = "ghcr.io/example/trainer:1"
	TaskImage     = "ghcr.io/example/tools:1"
	ServingImage  = "ghcr.io/example/serve:1"
	NotebookImage = "quay.io/jupyter/base-notebook:1"
)
