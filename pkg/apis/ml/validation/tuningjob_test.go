package validation_test

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func tuningJob(mutate func(*ml.TuningJob)) *ml.TuningJob {
	tun := mltesting.MakeTuningJob("search", "ns").Obj()
	if mutate != nil {
		mutate(tun)
	}
	return tun
}

func TestValidateTuningJob(t *testing.T) {
	param := func(i int, f func(*ml.TuningParameter)) func(*ml.TuningJob) {
		return func(tun *ml.TuningJob) { f(&tun.Spec.Parameters[i]) }
	}
	cases := []struct {
		name   string
		mutate func(*ml.TuningJob)
		want   []string
	}{
		{name: "valid"},
		{name: "empty search space", mutate: func(tun *ml.TuningJob) {
			tun.Spec.Parameters = nil
			tun.Spec.TrialTemplate.TrainingJob.Args = nil
		}, want: []string{"spec.parameters: Required value"}},
		{name: "min > max", mutate: param(1, func(p *ml.TuningParameter) { p.Min = ptr.To(5.0) }),
			want: []string{"spec.parameters[1].min: Invalid value"}},
		{name: "no max", mutate: param(0, func(p *ml.TuningParameter) { p.Max = nil }),
			want: []string{"spec.parameters[0].max: Required value"}},
		{name: "grid over a double without step", mutate: func(tun *ml.TuningJob) { tun.Spec.Algorithm.Name = ml.AlgorithmGrid },
			want: []string{"spec.parameters[0].step: Required value"}},
		{name: "grid over a double with step", mutate: func(tun *ml.TuningJob) {
			tun.Spec.Algorithm.Name = ml.AlgorithmGrid
			tun.Spec.Parameters[0].Step = ptr.To(0.01)
		}},
		{name: "int not whole", mutate: param(1, func(p *ml.TuningParameter) { p.Max = ptr.To(4.5) }),
			want: []string{"spec.parameters[1].max: Invalid value"}},
		{name: "log scale from 0", mutate: param(0, func(p *ml.TuningParameter) { p.Min = ptr.To(0.0) }),
			want: []string{"spec.parameters[0].min: Invalid value"}},
		{name: "step 0", mutate: param(0, func(p *ml.TuningParameter) { p.Step = ptr.To(0.0) }),
			want: []string{"spec.parameters[0].step: Invalid value"}},
		{name: "bad type", mutate: param(0, func(p *ml.TuningParameter) { p.Type = "float" }),
			want: []string{"spec.parameters[0].type: Unsupported value"}},
		{name: "bad scale", mutate: param(0, func(p *ml.TuningParameter) { p.Scale = "exp" }),
			want: []string{"spec.parameters[0].scale: Unsupported value"}},
		{name: "categorical", mutate: param(1, func(p *ml.TuningParameter) {
			*p = ml.TuningParameter{Name: "layers", Type: ml.ParameterCategorical, Values: []string{"a", "b"}}
		})},
		{name: "categorical without values", mutate: param(1, func(p *ml.TuningParameter) {
			*p = ml.TuningParameter{Name: "layers", Type: ml.ParameterCategorical}
		}), want: []string{"spec.parameters[1].values: Required value"}},
		{name: "categorical with min", mutate: param(1, func(p *ml.TuningParameter) {
			*p = ml.TuningParameter{Name: "layers", Type: ml.ParameterCategorical, Values: []string{"a", "a"}, Min: ptr.To(1.0)}
		}), want: []string{"spec.parameters[1].values[1]: Duplicate value", "spec.parameters[1].min: Forbidden"}},
		{name: "discrete not numbers", mutate: param(1, func(p *ml.TuningParameter) {
			*p = ml.TuningParameter{Name: "layers", Type: ml.ParameterDiscrete, Values: []string{"1", "two"}}
		}), want: []string{"spec.parameters[1].values[1]: Invalid value"}},
		{name: "double with values", mutate: param(0, func(p *ml.TuningParameter) { p.Values = []string{"1"} }),
			want: []string{"spec.parameters[0].values: Forbidden"}},
		{name: "duplicate and bad names", mutate: func(tun *ml.TuningJob) {
			tun.Spec.Parameters[1].Name = "lr"
			tun.Spec.Parameters = append(tun.Spec.Parameters, ml.TuningParameter{Name: "1x", Type: ml.ParameterCategorical, Values: []string{"a"}})
		}, want: []string{"spec.parameters[1].name: Duplicate value", "spec.parameters[2].name: Invalid value",
			"spec.trialTemplate.trainingJob.args[1]: Invalid value"}},
		{name: "unknown parameter in the template", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate.TrainingJob.Args = append(tun.Spec.TrialTemplate.TrainingJob.Args, "--bs=$(params.batch)")
		}, want: []string{"spec.trialTemplate.trainingJob.args[2]: Invalid value"}},
		{name: "no metric", mutate: func(tun *ml.TuningJob) { tun.Spec.Objective.Metric = "" },
			want: []string{"spec.objective.metric: Required value"}},
		{name: "bad goal and aggregation", mutate: func(tun *ml.TuningJob) {
			tun.Spec.Objective.Goal, tun.Spec.Objective.Aggregation = "Lower", "mean"
		}, want: []string{"spec.objective.goal: Unsupported value", "spec.objective.aggregation: Unsupported value"}},
		{name: "additional metric repeats the objective", mutate: func(tun *ml.TuningJob) { tun.Spec.Objective.AdditionalMetrics = []string{"acc", "loss"} },
			want: []string{"spec.objective.additionalMetrics[1]: Duplicate value"}},
		{name: "bad algorithm", mutate: func(tun *ml.TuningJob) { tun.Spec.Algorithm.Name = "cmaes" },
			want: []string{"spec.algorithm.name: Unsupported value"}},
		{name: "bad seed", mutate: func(tun *ml.TuningJob) { tun.Spec.Algorithm.Settings = map[string]string{"seed": "x"} },
			want: []string{"spec.algorithm.settings[seed]: Invalid value"}},
		{name: "counts below 1", mutate: func(tun *ml.TuningJob) {
			tun.Spec.MaxTrials, tun.Spec.ParallelTrials, tun.Spec.MaxFailedTrials = ptr.To[int32](0), ptr.To[int32](0), ptr.To[int32](0)
		}, want: []string{"spec.maxTrials: Invalid value", "spec.parallelTrials: Invalid value", "spec.maxFailedTrials: Invalid value"}},
		{name: "counts past the caps", mutate: func(tun *ml.TuningJob) {
			tun.Spec.MaxTrials, tun.Spec.ParallelTrials = ptr.To(validation.DefaultMaxTuningTrials+1), ptr.To(validation.DefaultMaxParallelTrials+1)
		}, want: []string{"spec.maxTrials: Invalid value", "spec.parallelTrials: Invalid value"}},
		{name: "median stop", mutate: func(tun *ml.TuningJob) {
			tun.Spec.EarlyStopping = &ml.EarlyStopping{MedianStop: &ml.MedianStopRule{MinTrials: ptr.To[int32](0), StartStep: ptr.To[int64](-1)}}
		}, want: []string{"spec.earlyStopping.medianStop.minTrials: Invalid value", "spec.earlyStopping.medianStop.startStep: Invalid value"}},
		{name: "no trial template", mutate: func(tun *ml.TuningJob) { tun.Spec.TrialTemplate = ml.TrialTemplate{} },
			want: []string{"spec.trialTemplate.pipelineRun: Required value"}},
		{name: "name too long for its trials", mutate: func(tun *ml.TuningJob) { tun.Name = strings.Repeat("a", 49) },
			want: []string{"metadata.name: Invalid value"}},
		{name: "longest name", mutate: func(tun *ml.TuningJob) { tun.Name = strings.Repeat("a", 48) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTuningJob(tuningJob(tc.mutate), opts))
		})
	}
}

func TestValidateTuningJobMessages(t *testing.T) {
	checkMessages(t, []string{"spec.parameters[1].min: Invalid value: 5: must be no more than max (4)"},
		validation.ValidateTuningJob(tuningJob(func(tun *ml.TuningJob) { tun.Spec.Parameters[1].Min = ptr.To(5.0) }), opts))
	capped := validation.DefaultOptions()
	capped.MaxParallelTrials = 2
	checkMessages(t, []string{"spec.parallelTrials: Invalid value: 3: must be no more than 2 (the server's --max-parallel-trials)"},
		validation.ValidateTuningJob(tuningJob(nil), capped))
}

func TestValidateTuningJobUpdate(t *testing.T) {
	old := tuningJob(nil)
	old.ResourceVersion = "1"
	more := old.DeepCopy()
	more.Spec.MaxTrials, more.Spec.ParallelTrials = ptr.To[int32](20), ptr.To[int32](5)
	checkErrors(t, nil, validation.ValidateTuningJobUpdate(more, old, opts))
	changed := old.DeepCopy()
	changed.Spec.Objective.Goal = ml.ObjectiveMaximize
	checkErrors(t, []string{"spec: Forbidden"}, validation.ValidateTuningJobUpdate(changed, old, opts))
}
