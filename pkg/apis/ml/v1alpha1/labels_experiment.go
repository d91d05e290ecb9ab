package v1alpha1

// ExperimentLabel groups training jobs and pipeline runs into an
// experiment, as Kubeflow Pipelines' experiments group runs: `kubectl ml
// compare --experiment NAME` compares every object labelled
// ml.example.io/experiment=NAME.
const ExperimentLabel = "ml.example.io/experiment"
