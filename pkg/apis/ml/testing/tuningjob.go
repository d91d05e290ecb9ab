package testing

import (
	"fmt"

	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// TuningJobWrapper builds a TuningJob.
type TuningJobWrapper struct {
	obj ml.TuningJob
	MetaSetters[*TuningJobWrapper]
}

// MakeTuningJob starts a random search minimizing "loss" over lr (double,
// log, 0.001 to 0.1) and layers (int, 1 to 4), 10 trials 3 at a time of a
// MakeTrainingJob whose args are --lr=$(params.lr) --layers=$(params.layers),
// with the other defaults the API server would set.
func MakeTuningJob(name, namespace string) *TuningJobWrapper {
	tj := MakeTrainingJob("x", namespace).Obj().Spec
	tj.Args = []string{"--lr=$(params.lr)", "--layers=$(params.layers)"}
	w := &TuningJobWrapper{obj: ml.TuningJob{
		ObjectMeta: objectMeta(name, namespace),
		Spec: ml.TuningJobSpec{
			Objective: ml.TuningObjective{Metric: "loss", Goal: ml.ObjectiveMinimize, Aggregation: ml.AggregationLast},
			Parameters: []ml.TuningParameter{
				{Name: "lr", Type: ml.ParameterDouble, Min: ptr.To(0.001), Max: ptr.To(0.1), Scale: ml.ScaleLog},
				{Name: "layers", Type: ml.ParameterInt, Min: ptr.To(1.0), Max: ptr.To(4.0), Scale: ml.ScaleLinear},
			},
			Algorithm:       ml.TuningAlgorithm{Name: ml.AlgorithmRandom},
			MaxTrials:       ptr.To(mlv1alpha1.DefaultMaxTrials),
			ParallelTrials:  ptr.To(mlv1alpha1.DefaultParallelTrials),
			MaxFailedTrials: ptr.To(mlv1alpha1.DefaultMaxFailedTrials),
			TrialTemplate:   ml.TrialTemplate{TrainingJob: &tj},
		},
	}}
	w.MetaSetters = MetaSetters[*TuningJobWrapper]{&w.obj.ObjectMeta, w}
	return w
}

// Obj returns a copy of the TuningJob.
func (w *TuningJobWrapper) Obj() *ml.TuningJob { return w.obj.DeepCopy() }

// V1alpha1 returns the TuningJob as ml.example.io/v1alpha1, the version
// the controller reads; it panics if the conversion fails, a mistake in a
// test.
func (w *TuningJobWrapper) V1alpha1() *mlv1alpha1.TuningJob {
	out := &mlv1alpha1.TuningJob{}
	if err := mlv1alpha1.Convert_ml_TuningJob_To_v1alpha1_TuningJob(w.obj.DeepCopy(), out, nil); err != nil {
		panic(fmt.Sprintf("convert TuningJob %s to v1alpha1: %v", w.obj.Name, err))
	}
	return out
}

// Algorithm sets spec.algorithm.
func (w *TuningJobWrapper) Algorithm(name ml.TuningAlgorithmName, settings map[string]string) *TuningJobWrapper {
	w.obj.Spec.Algorithm = ml.TuningAlgorithm{Name: name, Settings: settings}
	return w
}

// Parameters sets spec.parameters.
func (w *TuningJobWrapper) Parameters(ps ...ml.TuningParameter) *TuningJobWrapper {
	w.obj.Spec.Parameters = ps
	return w
}

// Objective sets spec.objective's metric and goal.
func (w *TuningJobWrapper) Objective(metric string, goal ml.ObjectiveGoal) *TuningJobWrapper {
	w.obj.Spec.Objective.Metric, w.obj.Spec.Objective.Goal = metric, goal
	return w
}

// Target sets spec.objective.target.
func (w *TuningJobWrapper) Target(v float64) *TuningJobWrapper {
	w.obj.Spec.Objective.Target = ptr.To(v)
	return w
}

// Trials sets spec.maxTrials, spec.parallelTrials and spec.maxFailedTrials.
func (w *TuningJobWrapper) Trials(maxTrials, parallel, maxFailed int32) *TuningJobWrapper {
	w.obj.Spec.MaxTrials, w.obj.Spec.ParallelTrials, w.obj.Spec.MaxFailedTrials = ptr.To(maxTrials), ptr.To(parallel), ptr.To(maxFailed)
	return w
}

// MedianStop sets spec.earlyStopping.medianStop.
func (w *TuningJobWrapper) MedianStop(minTrials int32, startStep int64) *TuningJobWrapper {
	w.obj.Spec.EarlyStopping = &ml.EarlyStopping{MedianStop: &ml.MedianStopRule{MinTrials: ptr.To(minTrials), StartStep: ptr.To(startStep)}}
	return w
}

// TrainingJob sets the trial template's TrainingJob spec.
func (w *TuningJobWrapper) TrainingJob(spec ml.TrainingJobSpec) *TuningJobWrapper {
	w.obj.Spec.TrialTemplate = ml.TrialTemplate{TrainingJob: &spec}
	return w
}

// PipelineRun sets the trial template's PipelineRun spec and the task
// that reports the objective ("" for none).
func (w *TuningJobWrapper) PipelineRun(spec ml.PipelineRunSpec, objectiveTask string) *TuningJobWrapper {
	w.obj.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &spec, ObjectiveTask: objectiveTask}
	return w
}

// Phase sets status.phase.
func (w *TuningJobWrapper) Phase(p ml.TuningJobPhase) *TuningJobWrapper {
	w.obj.Status.Phase = p
	return w
}

// TuningJobBuilder builds a v1alpha1 TuningJob as a client sends it,
// without defaults.
type TuningJobBuilder struct {
	obj mlv1alpha1.TuningJob
	MetaSetters[*TuningJobBuilder]
}

// NewTuningJob starts a valid random search minimizing "loss" over lr
// (double, 0.001 to 0.1) of a NewTrainingJob whose args are
// --lr=$(params.lr); everything else is left to defaulting.
func NewTuningJob(name, namespace string) *TuningJobBuilder {
	tj := NewTrainingJob("x", namespace).Obj().Spec
	tj.Args = []string{"--lr=$(params.lr)"}
	b := &TuningJobBuilder{obj: mlv1alpha1.TuningJob{
		ObjectMeta: objectMeta(name, namespace),
		Spec: mlv1alpha1.TuningJobSpec{
			Objective:     mlv1alpha1.TuningObjective{Metric: "loss", Goal: mlv1alpha1.ObjectiveMinimize},
			Parameters:    []mlv1alpha1.TuningParameter{{Name: "lr", Type: mlv1alpha1.ParameterDouble, Min: ptr.To(0.001), Max: ptr.To(0.1)}},
			TrialTemplate: mlv1alpha1.TrialTemplate{TrainingJob: &tj},
		},
	}}
	b.MetaSetters = MetaSetters[*TuningJobBuilder]{&b.obj.ObjectMeta, b}
	return b
}

// Obj returns a copy of the TuningJob.
func (b *TuningJobBuilder) Obj() *mlv1alpha1.TuningJob { return b.obj.DeepCopy() }

// Trials sets spec.maxTrials and spec.parallelTrials.
func (b *TuningJobBuilder) Trials(maxTrials, parallel int32) *TuningJobBuilder {
	b.obj.Spec.MaxTrials, b.obj.Spec.ParallelTrials = ptr.To(maxTrials), ptr.To(parallel)
	return b
}

// MaxTrials sets spec.maxTrials.
func (b *TuningJobBuilder) MaxTrials(n int32) *TuningJobBuilder {
	b.obj.Spec.MaxTrials = ptr.To(n)
	return b
}

// TrainingJob sets the trial template's TrainingJob spec.
func (b *TuningJobBuilder) TrainingJob(spec mlv1alpha1.TrainingJobSpec) *TuningJobBuilder {
	b.obj.Spec.TrialTemplate = mlv1alpha1.TrialTemplate{TrainingJob: &spec}
	return b
}

// Parameters sets spec.parameters.
func (b *TuningJobBuilder) Parameters(ps ...mlv1alpha1.TuningParameter) *TuningJobBuilder {
	b.obj.Spec.Parameters = ps
	return b
}
