package tuningjob

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// TestValidateSearch: the search space and the algorithm settings are
// refused (422) with the field of the parameter at fault.
func TestValidateSearch(t *testing.T) {
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
		}), want: []string{"spec.parameters[1]: Forbidden", "spec.parameters[1].values[1]: Duplicate value"}},
		{name: "discrete not numbers", mutate: param(1, func(p *ml.TuningParameter) {
			*p = ml.TuningParameter{Name: "layers", Type: ml.ParameterDiscrete, Values: []string{"1", "two"}}
		}), want: []string{"spec.parameters[1].values[1]: Invalid value"}},
		{name: "double with values", mutate: param(0, func(p *ml.TuningParameter) { p.Values = []string{"1"} }),
			want: []string{"spec.parameters[0].values: Forbidden"}},
		{name: "duplicate and bad names", mutate: func(tun *ml.TuningJob) {
			tun.Spec.Parameters[1].Name = "lr"
			tun.Spec.Parameters = append(tun.Spec.Parameters, ml.TuningParameter{Name: "1x", Type: ml.ParameterCategorical, Values: []string{"a"}})
		}, want: []string{"spec.trialTemplate.trainingJob.args[1]: Invalid value",
			"spec.parameters[1].name: Duplicate value", "spec.parameters[2].name: Invalid value"}},
		{name: "bad algorithm", mutate: func(tun *ml.TuningJob) { tun.Spec.Algorithm.Name = "cmaes" },
			want: []string{"spec.algorithm.name: Unsupported value"}},
		{name: "bad seed", mutate: func(tun *ml.TuningJob) { tun.Spec.Algorithm.Settings = map[string]string{"seed": "x"} },
			want: []string{"spec.algorithm.settings[seed]: Invalid value"}},
	}
	s := NewStrategy(scheme.Scheme, validation.DefaultOptions())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tun := mltesting.MakeTuningJob("search", "ns").Obj()
			if tc.mutate != nil {
				tc.mutate(tun)
			}
			if diff := cmp.Diff(tc.want, mltesting.FieldErrors(s.Validate(context.Background(), tun))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSearchMessage(t *testing.T) {
	tun := mltesting.MakeTuningJob("search", "ns").Obj()
	tun.Spec.Parameters[1].Min = ptr.To(5.0)
	errs := NewStrategy(scheme.Scheme, validation.DefaultOptions()).Validate(context.Background(), tun)
	if got := errs.ToAggregate().Error(); !strings.Contains(got, `spec.parameters[1].min`) || !strings.Contains(got, `parameter "layers"`) {
		t.Errorf("the error does not name the field and the parameter: %s", got)
	}
}

// TestObjectiveWarning: the objective metric is warned about, not
// refused, until a trial reported it.
func TestObjectiveWarning(t *testing.T) {
	s := NewStrategy(scheme.Scheme, validation.DefaultOptions())
	tun := mltesting.MakeTuningJob("search", "ns").Obj()
	if w := s.WarningsOnCreate(context.Background(), tun); len(w) != 1 || !strings.Contains(w[0], `"loss"`) {
		t.Errorf("warnings on create = %q, want one naming the metric", w)
	}
	tun.Status.BestTrial = &ml.TrialSummary{Name: "search-0", ObjectiveValue: ptr.To(0.5)}
	if w := s.WarningsOnUpdate(context.Background(), tun, tun); len(w) != 0 {
		t.Errorf("warnings once the metric arrived = %q, want none", w)
	}
}
