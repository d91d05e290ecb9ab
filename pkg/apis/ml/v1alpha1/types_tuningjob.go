package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TuningJob searches a space of hyperparameters: it proposes trials with
// an algorithm, runs each as a TrainingJob (or PipelineRun) it owns, reads
// each trial's objective from its metrics and keeps the best.
type TuningJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is the search: objective, space, algorithm and trial template.
	Spec TuningJobSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status is the observed state of the search.
	// +optional
	Status TuningJobStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// TuningJobList is a list of TuningJobs.
type TuningJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Items are the TuningJobs.
	Items []TuningJob `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// ObjectiveGoal says whether the objective metric is minimized or maximized.
type ObjectiveGoal string

// The goals of an objective.
const (
	ObjectiveMinimize ObjectiveGoal = "Minimize"
	ObjectiveMaximize ObjectiveGoal = "Maximize"
)

// ObjectiveAggregation says which value of a trial's series is its objective.
type ObjectiveAggregation string

// The aggregations of an objective.
const (
	// AggregationLast takes the last value reported (default).
	AggregationLast ObjectiveAggregation = "last"
	// AggregationBest takes the best value reported, by the goal.
	AggregationBest ObjectiveAggregation = "best"
)

// TuningObjective is the metric a TuningJob optimizes.
type TuningObjective struct {
	// Metric is the name of the objective metric, as the trials report it
	// (for example "loss").
	Metric string `json:"metric" protobuf:"bytes,1,opt,name=metric"`
	// Goal is Minimize or Maximize.
	Goal ObjectiveGoal `json:"goal" protobuf:"bytes,2,opt,name=goal,casttype=ObjectiveGoal"`
	// Target ends the search (Succeeded, TargetReached) once a trial's
	// objective reaches it.
	// +optional
	Target *float64 `json:"target,omitempty" protobuf:"fixed64,3,opt,name=target"`
	// AdditionalMetrics are other metrics recorded with each trial.
	// +optional
	// +listType=set
	AdditionalMetrics []string `json:"additionalMetrics,omitempty" protobuf:"bytes,4,rep,name=additionalMetrics"`
	// Aggregation is last (default) or best: which value of a trial's
	// series is its objective value.
	// +optional
	Aggregation ObjectiveAggregation `json:"aggregation,omitempty" protobuf:"bytes,5,opt,name=aggregation,casttype=ObjectiveAggregation"`
}

// TuningParameterType is the type of a parameter of the search space.
type TuningParameterType string

// The types of parameters.
const (
	ParameterDouble      TuningParameterType = "double"
	ParameterInt         TuningParameterType = "int"
	ParameterCategorical TuningParameterType = "categorical"
	ParameterDiscrete    TuningParameterType = "discrete"
)

// TuningParameterScale is how a numeric parameter is sampled.
type TuningParameterScale string

// The scales of numeric parameters.
const (
	ScaleLinear TuningParameterScale = "linear"
	ScaleLog    TuningParameterScale = "log"
)

// TuningParameter is one dimension of the search space.
type TuningParameter struct {
	// Name of the parameter; $(params.NAME) in the trial template is
	// replaced with its value.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Type is double, int (min, max, optional step) or categorical,
	// discrete (values).
	Type TuningParameterType `json:"type" protobuf:"bytes,2,opt,name=type,casttype=TuningParameterType"`
	// Min is the smallest value of a double or int parameter.
	// +optional
	Min *float64 `json:"min,omitempty" protobuf:"fixed64,3,opt,name=min"`
	// Max is the largest value of a double or int parameter.
	// +optional
	Max *float64 `json:"max,omitempty" protobuf:"fixed64,4,opt,name=max"`
	// Step is the distance between values of a double or int parameter;
	// grid needs it for double parameters.
	// +optional
	Step *float64 `json:"step,omitempty" protobuf:"fixed64,5,opt,name=step"`
	// Values are the values of a categorical or discrete (numeric) parameter.
	// +optional
	// +listType=atomic
	Values []string `json:"values,omitempty" protobuf:"bytes,6,rep,name=values"`
	// Scale is linear (default) or log, how double and int values are sampled.
	// +optional
	Scale TuningParameterScale `json:"scale,omitempty" protobuf:"bytes,7,opt,name=scale,casttype=TuningParameterScale"`
}

// TuningAlgorithmName names a search algorithm.
type TuningAlgorithmName string

// The search algorithms.
const (
	AlgorithmRandom    TuningAlgorithmName = "random"
	AlgorithmGrid      TuningAlgorithmName = "grid"
	AlgorithmTPE       TuningAlgorithmName = "tpe"
	AlgorithmHyperband TuningAlgorithmName = "hyperband"
)

// TuningAlgorithm is the search algorithm and its settings.
type TuningAlgorithm struct {
	// Name is random (default), grid, tpe or hyperband.
	// +optional
	Name TuningAlgorithmName `json:"name,omitempty" protobuf:"bytes,1,opt,name=name,casttype=TuningAlgorithmName"`
	// Settings of the algorithm, for example seed.
	// +optional
	Settings map[string]string `json:"settings,omitempty" protobuf:"bytes,2,rep,name=settings"`
}

// MedianStopRule stops a trial whose objective at a step is worse than
// the median of the completed trials' objectives at that step.
type MedianStopRule struct {
	// MinTrials is how many trials must have completed before any trial
	// is stopped (default 3).
	// +optional
	MinTrials *int32 `json:"minTrials,omitempty" protobuf:"varint,1,opt,name=minTrials"`
	// StartStep is the first step at which a trial may be stopped (default 4).
	// +optional
	StartStep *int64 `json:"startStep,omitempty" protobuf:"varint,2,opt,name=startStep"`
}

// EarlyStopping says when a trial is stopped before it ends.
type EarlyStopping struct {
	// MedianStop is Katib's median stopping rule.
	// +optional
	MedianStop *MedianStopRule `json:"medianStop,omitempty" protobuf:"bytes,1,opt,name=medianStop"`
}

// TrialTemplate is what each trial runs: exactly one of trainingJob and
// pipelineRun is set. $(params.NAME) in the TrainingJob's command, args
// and env values, and in the PipelineRun's param values, is replaced with
// the trial's value of parameter NAME.
type TrialTemplate struct {
	// Metadata of each trial.
	// +optional
	Metadata RunTemplateMetadata `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// TrainingJob is the spec of each trial's TrainingJob.
	// +optional
	TrainingJob *TrainingJobSpec `json:"trainingJob,omitempty" protobuf:"bytes,2,opt,name=trainingJob"`
	// PipelineRun is the spec of each trial's PipelineRun (a pipelineRef
	// and params).
	// +optional
	PipelineRun *PipelineRunSpec `json:"pipelineRun,omitempty" protobuf:"bytes,3,opt,name=pipelineRun"`
	// ObjectiveTask is, for PipelineRun trials, the task whose metrics
	// (the run's metrics series of that task) or, when it reported no
	// series, whose output named as the objective metric carries the
	// objective. When unset, the one task that reports the metric.
	// +optional
	ObjectiveTask string `json:"objectiveTask,omitempty" protobuf:"bytes,4,opt,name=objectiveTask"`
}

// TuningJobSpec is the desired state of a TuningJob.
type TuningJobSpec struct {
	// Objective is the metric optimized.
	Objective TuningObjective `json:"objective" protobuf:"bytes,1,opt,name=objective"`
	// Parameters are the search space.
	// +listType=map
	// +listMapKey=name
	Parameters []TuningParameter `json:"parameters" protobuf:"bytes,2,rep,name=parameters"`
	// Algorithm proposes the trials.
	// +optional
	Algorithm TuningAlgorithm `json:"algorithm,omitempty" protobuf:"bytes,3,opt,name=algorithm"`
	// EarlyStopping stops unpromising trials.
	// +optional
	EarlyStopping *EarlyStopping `json:"earlyStopping,omitempty" protobuf:"bytes,4,opt,name=earlyStopping"`
	// MaxTrials is how many trials are run at most (default 10).
	// +optional
	MaxTrials *int32 `json:"maxTrials,omitempty" protobuf:"varint,5,opt,name=maxTrials"`
	// ParallelTrials is how many trials run at once (default 3).
	// +optional
	ParallelTrials *int32 `json:"parallelTrials,omitempty" protobuf:"varint,6,opt,name=parallelTrials"`
	// MaxFailedTrials fails the search when this many trials failed (default 3).
	// +optional
	MaxFailedTrials *int32 `json:"maxFailedTrials,omitempty" protobuf:"varint,7,opt,name=maxFailedTrials"`
	// TrialTemplate is what each trial runs.
	TrialTemplate TrialTemplate `json:"trialTemplate" protobuf:"bytes,8,opt,name=trialTemplate"`
}

// TuningJobPhase is the phase of a TuningJob.
type TuningJobPhase string

// The phases of a TuningJob.
const (
	TuningJobPending   TuningJobPhase = "Pending"
	TuningJobRunning   TuningJobPhase = "Running"
	TuningJobSucceeded TuningJobPhase = "Succeeded"
	TuningJobFailed    TuningJobPhase = "Failed"
)

// TrialPhase is the phase of one trial.
type TrialPhase string

// The phases of a trial.
const (
	TrialPending      TrialPhase = "Pending"
	TrialRunning      TrialPhase = "Running"
	TrialSucceeded    TrialPhase = "Succeeded"
	TrialFailed       TrialPhase = "Failed"
	TrialEarlyStopped TrialPhase = "EarlyStopped"
)

// ParameterAssignment is the value of one parameter in a trial.
type ParameterAssignment struct {
	// Name of the parameter.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Value of the parameter, as substituted.
	Value string `json:"value" protobuf:"bytes,2,opt,name=value"`
}

// TrialSummary is one trial as the TuningJob saw it.
type TrialSummary struct {
	// Name of the trial's TrainingJob or PipelineRun.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// Phase is Pending, Running, Succeeded, Failed or EarlyStopped.
	// +optional
	Phase TrialPhase `json:"phase,omitempty" protobuf:"bytes,2,opt,name=phase,casttype=TrialPhase"`
	// Parameters are the trial's values.
	// +optional
	// +listType=map
	// +listMapKey=name
	Parameters []ParameterAssignment `json:"parameters,omitempty" protobuf:"bytes,3,rep,name=parameters"`
	// ObjectiveValue is the trial's objective (by objective.aggregation),
	// unset until its first value.
	// +optional
	ObjectiveValue *float64 `json:"objectiveValue,omitempty" protobuf:"fixed64,4,opt,name=objectiveValue"`
	// Step is the step of the objective value.
	// +optional
	Step int64 `json:"step,omitempty" protobuf:"varint,5,opt,name=step"`
	// Message says why a trial failed or was stopped.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,6,opt,name=message"`
}

// TuningJobStatus is the observed state of a TuningJob.
type TuningJobStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,1,opt,name=observedGeneration"`
	// Phase is Pending, Running, Succeeded or Failed.
	// +optional
	Phase TuningJobPhase `json:"phase,omitempty" protobuf:"bytes,2,opt,name=phase,casttype=TuningJobPhase"`
	// Conditions are Running, Succeeded (reasons MaxTrialsReached,
	// TargetReached) and Failed.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchMergeKey=type
	// +patchStrategy=merge
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,3,rep,name=conditions"`
	// StartTime is when the first trial was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty" protobuf:"bytes,4,opt,name=startTime"`
	// CompletionTime is when the search ended.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty" protobuf:"bytes,5,opt,name=completionTime"`
	// TrialsCreated is the number of trials created.
	// +optional
	TrialsCreated int32 `json:"trialsCreated,omitempty" protobuf:"varint,6,opt,name=trialsCreated"`
	// Running trials.
	// +optional
	Running int32 `json:"running,omitempty" protobuf:"varint,7,opt,name=running"`
	// Succeeded trials.
	// +optional
	Succeeded int32 `json:"succeeded,omitempty" protobuf:"varint,8,opt,name=succeeded"`
	// Failed trials.
	// +optional
	Failed int32 `json:"failed,omitempty" protobuf:"varint,9,opt,name=failed"`
	// EarlyStopped trials.
	// +optional
	EarlyStopped int32 `json:"earlyStopped,omitempty" protobuf:"varint,10,opt,name=earlyStopped"`
	// BestTrial is the trial with the best objective value so far.
	// +optional
	BestTrial *TrialSummary `json:"bestTrial,omitempty" protobuf:"bytes,11,opt,name=bestTrial"`
	// Trials are the latest trials (at most 50, newest last); every trial
	// is listed by `kubectl get tj -l ml.example.io/tuning-job=NAME`.
	// +optional
	// +listType=atomic
	Trials []TrialSummary `json:"trials,omitempty" protobuf:"bytes,12,rep,name=trials"`
}
