package v1alpha1

import "k8s.io/utils/ptr"

// Defaults of a TuningJob, documented in docs/tuning.md.
const (
	DefaultMaxTrials       int32 = 10
	DefaultParallelTrials  int32 = 3
	DefaultMaxFailedTrials int32 = 3
	// DefaultMedianStopMinTrials and DefaultMedianStopStartStep are
	// Katib's defaults of its median stopping rule.
	DefaultMedianStopMinTrials int32 = 3
	DefaultMedianStopStartStep int64 = 4
)

// SetDefaults_TuningJobSpec defaults the algorithm (random), the objective's
// aggregation (last), the trial counts and the median stopping rule.
func SetDefaults_TuningJobSpec(obj *TuningJobSpec) {
	if obj.Algorithm.Name == "" {
		obj.Algorithm.Name = AlgorithmRandom
	}
	if obj.Objective.Aggregation == "" {
		obj.Objective.Aggregation = AggregationLast
	}
	if obj.MaxTrials == nil {
		obj.MaxTrials = ptr.To(DefaultMaxTrials)
	}
	if obj.ParallelTrials == nil {
		obj.ParallelTrials = ptr.To(DefaultParallelTrials)
	}
	if obj.MaxFailedTrials == nil {
		obj.MaxFailedTrials = ptr.To(DefaultMaxFailedTrials)
	}
	if es := obj.EarlyStopping; es != nil && es.MedianStop != nil {
		if es.MedianStop.MinTrials == nil {
			es.MedianStop.MinTrials = ptr.To(DefaultMedianStopMinTrials)
		}
		if es.MedianStop.StartStep == nil {
			es.MedianStop.StartStep = ptr.To(DefaultMedianStopStartStep)
		}
	}
}

// SetDefaults_TuningParameter defaults the scale of numeric parameters (linear).
func SetDefaults_TuningParameter(obj *TuningParameter) {
	if obj.Scale == "" && (obj.Type == ParameterDouble || obj.Type == ParameterInt) {
		obj.Scale = ScaleLinear
	}
}
