package v1alpha1

// Labels and annotations of the trials a TuningJob creates, so that
// `kubectl get tj -l ml.example.io/tuning-job=<name>` lists them and
// `kubectl ml compare tun/<name>` reads their parameters.
const (
	// TuningJobNameLabel is on every trial of a TuningJob: its name.
	TuningJobNameLabel = "ml.example.io/tuning-job"
	// TrialParametersAnnotation is on every trial of a TuningJob: its
	// parameter values, a JSON object of strings.
	TrialParametersAnnotation = "ml.example.io/trial-parameters"
	// TrialIndexAnnotation is on every trial of a TuningJob: its index,
	// from 0, the suffix of its name.
	TrialIndexAnnotation = "ml.example.io/trial-index"
	// TrialBudgetAnnotation is on the trials of a TuningJob whose
	// algorithm gave them a step budget (hyperband): $(trial.budget).
	TrialBudgetAnnotation = "ml.example.io/trial-budget"
	// EarlyStoppedAnnotation is set on a trial the TuningJob stopped
	// early (by suspending its TrainingJob or canceling its PipelineRun):
	// why.
	EarlyStoppedAnnotation = "ml.example.io/early-stopped"
	// BudgetReachedAnnotation is set on a trial the TuningJob stopped
	// because it reported the step of its budget (TrialBudgetAnnotation):
	// the trial completed its budget and counts as succeeded.
	BudgetReachedAnnotation = "ml.example.io/budget-reached"
)

// MaxTuningStatusTrials is the most trials status.trials of a TuningJob
// lists, the latest; every trial is listed through TuningJobNameLabel.
const MaxTuningStatusTrials = 50
