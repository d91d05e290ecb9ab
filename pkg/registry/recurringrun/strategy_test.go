package recurringrun

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makeRecurringRun() *ml.RecurringRun {
	return &ml.RecurringRun{
		ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: registrytest.Namespace},
		Spec: ml.RecurringRunSpec{
			Schedule:                   ml.RecurringSchedule{Interval: &metav1.Duration{Duration: time.Hour}},
			ConcurrencyPolicy:          ml.ConcurrencyAllow,
			SuccessfulRunsHistoryLimit: ptr.To[int32](3),
			FailedRunsHistoryLimit:     ptr.To[int32](1),
			RunTemplate:                ml.RunTemplate{PipelineRun: &mltesting.MakePipelineRun("train", registrytest.Namespace).Obj().Spec},
		},
	}
}

func TestStrategies(t *testing.T) {
	last := metav1.NewTime(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	registrytest.StrategyContract[*ml.RecurringRun]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            makeRecurringRun,
		ChangeSpec:     func(rr *ml.RecurringRun) { rr.Spec.Suspend = true },
		SetStatus: func(rr *ml.RecurringRun) {
			rr.Status.ObservedGeneration = 1
			rr.Status.LastScheduleTime = &last
			rr.Status.RunCount = 4
		},
		Invalidate:       func(rr *ml.RecurringRun) { rr.Spec.Schedule.Interval = nil },
		InvalidateStatus: func(rr *ml.RecurringRun) { rr.Status.RunCount = -1 },
	}.Run(t)
}

func TestSelectableFields(t *testing.T) {
	got := SelectableFields(makeRecurringRun())
	want := fields.Set{"metadata.name": "nightly", "metadata.namespace": registrytest.Namespace, "status.phase": ""}
	if got.String() != want.String() {
		t.Errorf("SelectableFields = %v, want %v", got, want)
	}
}
