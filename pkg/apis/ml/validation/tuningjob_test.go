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
	cases := []struct {
		name   string
		mutate func(*ml.TuningJob)
		want   []string
	}{
		{name: "valid"},
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
		{name: "counts below 1", mutate: func(tun *ml.TuningJob) {
			tun.Spec.MaxTrials, tun.Spec.ParallelTrials, tun.Spec.MaxFailedTrials = ptr.To[int32](0), ptr.To[int32](0), ptr.To[int32](0)
		}, want: []string{"spec.maxTrials: Invalid value", "spec.parallelTrials: Invalid value", "spec.maxFailedTrials: Invalid value"}},
		{name: "counts past the caps", mutate: func(tun *ml.TuningJob) {
			tun.Spec.MaxTrials, tun.Spec.ParallelTrials = ptr.To(validation.DefaultMaxTuningTrials+1), ptr.To(validation.DefaultMaxParallelTrials+1)
		}, want: []string{"spec.maxTrials: Invalid value", "spec.parallelTrials: Invalid value"}},
		{name: "median stop", mutate: func(tun *ml.TuningJob) {
			tun.Spec.EarlyStopping = &ml.EarlyStopping{MedianStop: &ml.MedianStopRule{MinTrials: ptr.To[int32](0), StartStep: ptr.To[int64](-1)}}
		}, want: []string{"spec.earlyStopping.medianStop.minTrials: Invalid value", "spec.earlyStopping.medianStop.startStep: Invalid value"}},
		{name: "pipeline run trials", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").Param("lr", "$(params.lr)").Obj().Spec, ObjectiveTask: "fit"}
		}},
		{name: "pipeline run trials with an inline pipeline", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineSpec(trialPipeline()).Param("lr", "$(params.lr)").Obj().Spec, ObjectiveTask: "fit"}
		}},
		{name: "pipeline run param names no parameter", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").Param("lr", "$(params.learning-rate)").Obj().Spec}
		}, want: []string{"spec.trialTemplate.pipelineRun.params[0].value: Invalid value"}},
		{name: "pipeline run template canceled, suspended or a retry", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").Cancel(true).Suspend(true).Obj().Spec}
			tun.Spec.TrialTemplate.PipelineRun.RetryOf = &ml.LocalObjectReference{Name: "old"}
		}, want: []string{"spec.trialTemplate.pipelineRun.pipelineRef: Forbidden", "spec.trialTemplate.pipelineRun.cancel: Forbidden", "spec.trialTemplate.pipelineRun.suspend: Forbidden", "spec.trialTemplate.pipelineRun.retryOf: Forbidden"}},
		{name: "trials with a TTL", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate.TrainingJob.TTLSecondsAfterFinished = ptr.To[int32](60)
		}, want: []string{"spec.trialTemplate.trainingJob.ttlSecondsAfterFinished: Forbidden"}},
		{name: "pipeline run trials with a TTL", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").TTLSecondsAfterFinished(60).Obj().Spec}
		}, want: []string{"spec.trialTemplate.pipelineRun.ttlSecondsAfterFinished: Forbidden"}},
		{name: "pipeline run template without a pipeline", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("").Obj().Spec}
		}, want: []string{"spec.trialTemplate.pipelineRun.pipelineRef: Required value"}},
		{name: "objective task not of the inline pipeline", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineSpec(trialPipeline()).Param("lr", "$(params.lr)").Obj().Spec, ObjectiveTask: "train"}
		}, want: []string{"spec.trialTemplate.objectiveTask: Invalid value"}},
		{name: "objective task of an inline pipeline's nested pipeline, checked by admission", mutate: func(tun *ml.TuningJob) {
			spec := mltesting.MakePipeline("", "").Tasks(mltesting.MakeNestedTask("train", "train").Param("epochs", "3").Obj()).Spec()
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineSpec(spec).Obj().Spec, ObjectiveTask: "train.fit"}
		}},
		{name: "objective task not a task name", mutate: func(tun *ml.TuningJob) {
			tun.Spec.TrialTemplate = ml.TrialTemplate{PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").Obj().Spec, ObjectiveTask: "Fit_1"}
		}, want: []string{"spec.trialTemplate.objectiveTask: Invalid value"}},
		{name: "objective task of a training job", mutate: func(tun *ml.TuningJob) { tun.Spec.TrialTemplate.ObjectiveTask = "fit" },
			want: []string{"spec.trialTemplate.objectiveTask: Forbidden"}},
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

// trialPipeline is a pipeline whose task fit takes the param lr.
func trialPipeline() *ml.PipelineSpec {
	return mltesting.MakePipeline("p", "ns").
		Params(ml.ParamSpec{Name: "lr", Type: ml.ParamTypeString}).
		Tasks(ml.PipelineTask{Name: "prepare", ContainerSpec: ml.ContainerSpec{Image: "busybox", Command: []string{"true"}}},
			ml.PipelineTask{Name: "fit", ContainerSpec: ml.ContainerSpec{Image: "busybox", Command: []string{"train", "--lr=$(params.lr)"}}}).
		Spec()
}
