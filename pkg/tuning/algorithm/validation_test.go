package algorithm

import (
	"math"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestValidateSpace(t *testing.T) {
	fld := field.NewPath("spec", "parameters")
	for _, tc := range []struct {
		name      string
		algorithm string
		space     []Parameter
		// want is the field and a part of the detail of each error, in order.
		want [][2]string
	}{
		{name: "valid", algorithm: NameTPE, space: testSpace},
		{name: "valid grid", algorithm: NameGrid, space: []Parameter{{Name: "lr", Type: Double, Min: 0.1, Max: 1, Step: 0.1}, {Name: "n", Type: Int, Min: 1, Max: 3}}},
		{name: "empty", algorithm: NameRandom, want: [][2]string{{"spec.parameters", "at least one parameter"}}},
		{name: "min > max", algorithm: NameRandom, space: []Parameter{{Name: "lr", Type: Double, Min: 1, Max: 0.1}},
			want: [][2]string{{"spec.parameters[0].min", `parameter "lr": min must be less than max`}}},
		{name: "min = max", algorithm: NameRandom, space: []Parameter{{Name: "n", Type: Int, Min: 2, Max: 2}},
			want: [][2]string{{"spec.parameters[0].min", `parameter "n": min must be less than max`}}},
		{name: "grid over a continuous parameter without step", algorithm: NameGrid, space: []Parameter{{Name: "n", Type: Int, Min: 1, Max: 3}, {Name: "lr", Type: Double, Min: 0.1, Max: 1}},
			want: [][2]string{{"spec.parameters[1].step", `parameter "lr": grid search over a continuous (double) parameter needs a step`}}},
		{name: "log with min <= 0", algorithm: NameTPE, space: []Parameter{{Name: "lr", Type: Double, Min: 0, Max: 1, Log: true}},
			want: [][2]string{{"spec.parameters[0].min", `parameter "lr": a log-scale parameter needs min > 0`}}},
		{name: "negative step", algorithm: NameRandom, space: []Parameter{{Name: "lr", Type: Double, Min: 0, Max: 1, Step: -0.1}},
			want: [][2]string{{"spec.parameters[0].step", `parameter "lr": step must not be negative`}}},
		{name: "step beyond the range", algorithm: NameRandom, space: []Parameter{{Name: "lr", Type: Double, Min: 0, Max: 1, Step: 2}},
			want: [][2]string{{"spec.parameters[0].step", `parameter "lr": step must not exceed max-min`}}},
		{name: "int bounds must be whole", algorithm: NameRandom, space: []Parameter{{Name: "n", Type: Int, Min: 0.5, Max: 3}},
			want: [][2]string{{"spec.parameters[0].min", `parameter "n": must be a whole number`}}},
		{name: "not finite", algorithm: NameRandom, space: []Parameter{{Name: "lr", Type: Double, Min: 0, Max: math.Inf(1)}},
			want: [][2]string{{"spec.parameters[0].max", `parameter "lr": must be a finite number`}}},
		{name: "values on a double", algorithm: NameRandom, space: []Parameter{{Name: "lr", Type: Double, Min: 0, Max: 1, Values: []string{"1"}}},
			want: [][2]string{{"spec.parameters[0].values", `parameter "lr": values are for categorical and discrete parameters`}}},
		{name: "categorical without values", algorithm: NameRandom, space: []Parameter{{Name: "opt", Type: Categorical}},
			want: [][2]string{{"spec.parameters[0].values", `parameter "opt": a categorical parameter needs at least one value`}}},
		{name: "categorical with min", algorithm: NameRandom, space: []Parameter{{Name: "opt", Type: Categorical, Values: []string{"a"}, Max: 3}},
			want: [][2]string{{"spec.parameters[0]", `parameter "opt": min, max and step are for double and int parameters`}}},
		{name: "duplicate value", algorithm: NameRandom, space: []Parameter{{Name: "opt", Type: Categorical, Values: []string{"a", "a"}}},
			want: [][2]string{{"spec.parameters[0].values[1]", `Duplicate value: "a"`}}},
		{name: "discrete value not a number", algorithm: NameRandom, space: []Parameter{{Name: "batch", Type: Discrete, Values: []string{"32", "big"}}},
			want: [][2]string{{"spec.parameters[0].values[1]", `parameter "batch": a discrete value must be a finite number`}}},
		{name: "log categorical", algorithm: NameRandom, space: []Parameter{{Name: "opt", Type: Categorical, Values: []string{"a"}, Log: true}},
			want: [][2]string{{"spec.parameters[0].scale", `parameter "opt": log scale is for double and int parameters`}}},
		{name: "unknown type", algorithm: NameRandom, space: []Parameter{{Name: "x", Type: "float"}},
			want: [][2]string{{"spec.parameters[0].type", `Unsupported value: "float"`}}},
		{name: "no name", algorithm: NameRandom, space: []Parameter{{Type: Int, Min: 1, Max: 2}},
			want: [][2]string{{"spec.parameters[0].name", "every parameter needs a name"}}},
		{name: "bad name", algorithm: NameRandom, space: []Parameter{{Name: "learning rate", Type: Int, Min: 1, Max: 2}},
			want: [][2]string{{"spec.parameters[0].name", "$(params.NAME)"}}},
		{name: "duplicate name", algorithm: NameRandom, space: []Parameter{{Name: "n", Type: Int, Min: 1, Max: 2}, {Name: "n", Type: Int, Min: 1, Max: 2}},
			want: [][2]string{{"spec.parameters[1].name", `Duplicate value: "n"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateSpace(tc.algorithm, tc.space, fld)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tc.want), errs)
			}
			for i, err := range errs {
				if err.Field != tc.want[i][0] || !strings.Contains(err.Error(), tc.want[i][1]) {
					t.Errorf("error %d = %q (field %s), want field %s and %q", i, err.Error(), err.Field, tc.want[i][0], tc.want[i][1])
				}
			}
		})
	}
}

func TestValidateSettings(t *testing.T) {
	fld := field.NewPath("spec", "algorithm")
	for _, tc := range []struct {
		name      string
		algorithm string
		settings  map[string]string
		want      [][2]string
	}{
		{name: "valid tpe", algorithm: NameTPE, settings: map[string]string{"seed": "-3", "nStartupTrials": "5", "nEICandidates": "50", "gamma": "0.25"}},
		{name: "valid hyperband", algorithm: NameHyperband, settings: map[string]string{"maxBudget": "100", "minBudget": "2", "eta": "2"}},
		{name: "unknown algorithm", algorithm: "cmaes", want: [][2]string{{"spec.algorithm.name", `Unsupported value: "cmaes"`}}},
		{name: "unknown setting", algorithm: NameRandom, settings: map[string]string{"gamma": "0.1"},
			want: [][2]string{{"spec.algorithm.settings[gamma]", `supported values: "seed"`}}},
		{name: "seed not a number", algorithm: NameGrid, settings: map[string]string{"seed": "abc"},
			want: [][2]string{{"spec.algorithm.settings[seed]", "the seed must be a whole number"}}},
		{name: "out of range", algorithm: NameTPE, settings: map[string]string{"gamma": "2"},
			want: [][2]string{{"spec.algorithm.settings[gamma]", "must be between 0.01 and 1"}}},
		{name: "not whole", algorithm: NameHyperband, settings: map[string]string{"eta": "2.5"},
			want: [][2]string{{"spec.algorithm.settings[eta]", "must be a whole number"}}},
		{name: "minBudget above maxBudget", algorithm: NameHyperband, settings: map[string]string{"minBudget": "10", "maxBudget": "5"},
			want: [][2]string{{"spec.algorithm.settings[minBudget]", "must not exceed maxBudget (5)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateSettings(tc.algorithm, tc.settings, fld)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tc.want), errs)
			}
			for i, err := range errs {
				if err.Field != tc.want[i][0] || !strings.Contains(err.Error(), tc.want[i][1]) {
					t.Errorf("error %d = %q (field %s), want field %s and %q", i, err.Error(), err.Field, tc.want[i][0], tc.want[i][1])
				}
			}
		})
	}
}
