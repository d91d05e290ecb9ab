package validation_test

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// recurringRun returns a valid nightly RecurringRun "nightly" of the
// Pipeline "train", with the defaults the server sets; mutate changes it.
func recurringRun(mutate func(*ml.RecurringRun)) *ml.RecurringRun {
	rr := &ml.RecurringRun{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "ns"},
		Spec: ml.RecurringRunSpec{
			Schedule:                   ml.RecurringSchedule{Cron: "0 2 * * *"},
			ConcurrencyPolicy:          ml.ConcurrencyAllow,
			SuccessfulRunsHistoryLimit: ptr.To[int32](3),
			FailedRunsHistoryLimit:     ptr.To[int32](1),
			RunTemplate: ml.RunTemplate{
				PipelineRun: &mltesting.MakePipelineRun("x", "ns").PipelineRef("train").Obj().Spec,
			},
		},
	}
	if mutate != nil {
		mutate(rr)
	}
	return rr
}

func TestValidateRecurringRun(t *testing.T) {
	at := func(h int) *metav1.Time { t := metav1.NewTime(time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC)); return &t }
	tj := &mltesting.MakeTrainingJob("x", "ns").Obj().Spec
	cases := []struct {
		name   string
		mutate func(*ml.RecurringRun)
		want   []string
	}{
		{name: "valid cron"},
		{name: "cron with time zone", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule.TimeZone = ptr.To("Europe/Berlin") }},
		{name: "interval", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.Schedule = ml.RecurringSchedule{Interval: &metav1.Duration{Duration: 10 * time.Second}}
		}},
		{name: "no schedule", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule = ml.RecurringSchedule{} },
			want: []string{"spec.schedule.cron: Required value"}},
		{name: "cron and interval", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.Schedule.Interval = &metav1.Duration{Duration: time.Hour}
		}, want: []string{"spec.schedule.interval: Forbidden"}},
		{name: "bad cron", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule.Cron = "61 * * * *" },
			want: []string{"spec.schedule.cron: Invalid value"}},
		{name: "six fields", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule.Cron = "0 0 2 * * *" },
			want: []string{"spec.schedule.cron: Invalid value"}},
		{name: "time zone in the expression", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule.Cron = "CRON_TZ=UTC 0 2 * * *" },
			want: []string{"spec.schedule.cron: Invalid value"}},
		{name: "unknown time zone", mutate: func(rr *ml.RecurringRun) { rr.Spec.Schedule.TimeZone = ptr.To("Mars/Olympus") },
			want: []string{"spec.schedule.timeZone: Invalid value"}},
		{name: "time zone with interval", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.Schedule = ml.RecurringSchedule{Interval: &metav1.Duration{Duration: time.Hour}, TimeZone: ptr.To("UTC")}
		}, want: []string{"spec.schedule.timeZone: Forbidden"}},
		{name: "interval too short", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.Schedule = ml.RecurringSchedule{Interval: &metav1.Duration{Duration: 9 * time.Second}}
		}, want: []string{"spec.schedule.interval: Invalid value"}},
		{name: "start and end", mutate: func(rr *ml.RecurringRun) { rr.Spec.StartTime, rr.Spec.EndTime = at(1), at(2) }},
		{name: "end before start", mutate: func(rr *ml.RecurringRun) { rr.Spec.StartTime, rr.Spec.EndTime = at(2), at(1) },
			want: []string{"spec.endTime: Invalid value"}},
		{name: "bad concurrency policy", mutate: func(rr *ml.RecurringRun) { rr.Spec.ConcurrencyPolicy = "Queue" },
			want: []string{"spec.concurrencyPolicy: Unsupported value"}},
		{name: "maxConcurrency 0", mutate: func(rr *ml.RecurringRun) { rr.Spec.MaxConcurrency = ptr.To[int32](0) },
			want: []string{"spec.maxConcurrency: Invalid value"}},
		{name: "negative history limits", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.SuccessfulRunsHistoryLimit, rr.Spec.FailedRunsHistoryLimit = ptr.To[int32](-1), ptr.To[int32](-1)
		}, want: []string{"spec.successfulRunsHistoryLimit: Invalid value", "spec.failedRunsHistoryLimit: Invalid value"}},
		{name: "history limits at the cap", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.SuccessfulRunsHistoryLimit, rr.Spec.FailedRunsHistoryLimit = ptr.To(validation.DefaultMaxRunsHistory), ptr.To(validation.DefaultMaxRunsHistory)
		}},
		{name: "history limits past the cap", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.SuccessfulRunsHistoryLimit, rr.Spec.FailedRunsHistoryLimit = ptr.To(validation.DefaultMaxRunsHistory+1), ptr.To[int32](1000000)
		}, want: []string{"spec.successfulRunsHistoryLimit: Invalid value", "spec.failedRunsHistoryLimit: Invalid value"}},
		{name: "training job", mutate: func(rr *ml.RecurringRun) { rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: tj} }},
		{name: "no run", mutate: func(rr *ml.RecurringRun) { rr.Spec.RunTemplate.PipelineRun = nil },
			want: []string{"spec.runTemplate.pipelineRun: Required value"}},
		{name: "both runs", mutate: func(rr *ml.RecurringRun) { rr.Spec.RunTemplate.TrainingJob = tj },
			want: []string{"spec.runTemplate.trainingJob: Forbidden"}},
		{name: "embedded pipeline run validated", mutate: func(rr *ml.RecurringRun) { rr.Spec.RunTemplate.PipelineRun.PipelineRef = nil },
			want: []string{"spec.runTemplate.pipelineRun.pipelineRef: Required value"}},
		{name: "embedded training job validated", mutate: func(rr *ml.RecurringRun) {
			bad := tj.DeepCopy()
			bad.Replicas = ptr.To[int32](0)
			rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: bad}
		}, want: []string{"spec.runTemplate.trainingJob.replicas: Invalid value"}},
		{name: "training job naming a runtime may leave image and command to it", mutate: func(rr *ml.RecurringRun) {
			named := tj.DeepCopy()
			named.RuntimeRef = &ml.TrainingRuntimeRef{Kind: ml.ClusterTrainingRuntimeKind, Name: "torch"}
			named.Image, named.Command = "", nil
			rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: named}
		}},
		{name: "training job naming no runtime needs image or command", mutate: func(rr *ml.RecurringRun) {
			bare := tj.DeepCopy()
			bare.Image, bare.Command = "", nil
			rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: bare}
		}, want: []string{"spec.runTemplate.trainingJob.image: Required value"}},
		{name: "template labels", mutate: func(rr *ml.RecurringRun) {
			rr.Spec.RunTemplate.Metadata.Labels = map[string]string{"bad key!": "x"}
		}, want: []string{"spec.runTemplate.metadata.labels: Invalid value"}},
		{name: "name too long for its runs", mutate: func(rr *ml.RecurringRun) { rr.Name = strings.Repeat("a", 243) },
			want: []string{"metadata.name: Invalid value"}},
		{name: "name too long for training job runs", mutate: func(rr *ml.RecurringRun) {
			rr.Name = strings.Repeat("a", 42)
			rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: tj}
		}, want: []string{"metadata.name: Invalid value"}},
		{name: "longest name for training job runs", mutate: func(rr *ml.RecurringRun) {
			rr.Name = strings.Repeat("a", 41)
			rr.Spec.RunTemplate = ml.RunTemplate{TrainingJob: tj}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateRecurringRun(recurringRun(tc.mutate), opts))
		})
	}
}

// TestValidateRecurringRunHistoryCap: --max-runs-history sets the cap.
func TestValidateRecurringRunHistoryCap(t *testing.T) {
	capped := validation.DefaultOptions()
	capped.MaxRunsHistory = 5
	rr := recurringRun(func(rr *ml.RecurringRun) { rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](6) })
	errs := validation.ValidateRecurringRun(rr, capped)
	checkErrors(t, []string{"spec.successfulRunsHistoryLimit: Invalid value"}, errs)
	if got := errs.ToAggregate().Error(); !strings.Contains(got, "must be no more than 5 (the server's --max-runs-history)") {
		t.Errorf("the error does not name the cap and its flag: %s", got)
	}
	rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](5)
	checkErrors(t, nil, validation.ValidateRecurringRun(rr, capped))
}

func TestValidateRecurringRunMessages(t *testing.T) {
	checkMessages(t, []string{`spec.schedule.interval: Invalid value: "5s": must be at least 10s (the server's --min-recurring-interval)`},
		validation.ValidateRecurringRun(recurringRun(func(rr *ml.RecurringRun) {
			rr.Spec.Schedule = ml.RecurringSchedule{Interval: &metav1.Duration{Duration: 5 * time.Second}}
		}), opts))
}

func TestValidateRecurringRunUpdate(t *testing.T) {
	old := recurringRun(nil)
	old.ResourceVersion = "1"
	suspended := old.DeepCopy()
	suspended.Spec.Suspend = true
	checkErrors(t, nil, validation.ValidateRecurringRunUpdate(suspended, old, opts))

	toJob := old.DeepCopy()
	toJob.Spec.RunTemplate = ml.RunTemplate{TrainingJob: &mltesting.MakeTrainingJob("x", "ns").Obj().Spec}
	checkErrors(t, []string{"spec.runTemplate: Forbidden"}, validation.ValidateRecurringRunUpdate(toJob, old, opts))
}

func TestValidateRecurringRunStatusUpdate(t *testing.T) {
	old := recurringRun(nil)
	old.ResourceVersion = "1"
	obj := old.DeepCopy()
	obj.Status.RunCount = -1
	checkErrors(t, []string{"status.runCount: Invalid value"}, validation.ValidateRecurringRunStatusUpdate(obj, old))
}
