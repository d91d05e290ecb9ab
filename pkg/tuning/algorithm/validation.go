package algorithm

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// parameterNameRE is what a parameter name must match to be substituted as
// $(params.NAME).
var parameterNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// maxParameterNameLength bounds a parameter name.
const maxParameterNameLength = 63

var parameterTypes = []string{string(Double), string(Int), string(Categorical), string(Discrete)}

// ValidateSpace validates a search space for algorithm; fldPath is the path
// of the parameter list (spec.parameters). Every error names the parameter:
// its path holds the index and its detail the name. The space's fields are
// named as in the API: name, type, min, max, step, values, scale.
func ValidateSpace(algorithm string, space []Parameter, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(space) == 0 {
		return append(errs, field.Required(fldPath, "the search space needs at least one parameter"))
	}
	seen := map[string]bool{}
	for i, p := range space {
		pp := fldPath.Index(i)
		switch {
		case p.Name == "":
			errs = append(errs, field.Required(pp.Child("name"), "every parameter needs a name"))
		case len(p.Name) > maxParameterNameLength:
			errs = append(errs, field.TooLong(pp.Child("name"), p.Name, maxParameterNameLength))
		case !parameterNameRE.MatchString(p.Name):
			errs = append(errs, field.Invalid(pp.Child("name"), p.Name, "a parameter name starts with a letter or '_' and holds letters, digits, '_', '.' and '-' (it is substituted as $(params.NAME))"))
		case seen[p.Name]:
			errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
		}
		seen[p.Name] = true
		errs = append(errs, validateParameter(algorithm, p, pp)...)
	}
	return errs
}

func validateParameter(algorithm string, p Parameter, pp *field.Path) field.ErrorList {
	var errs field.ErrorList
	prefix := fmt.Sprintf("parameter %q: ", p.Name)
	switch p.Type {
	case Double, Int:
		if len(p.Values) > 0 {
			errs = append(errs, field.Forbidden(pp.Child("values"), prefix+"values are for categorical and discrete parameters; a "+string(p.Type)+" parameter takes min and max"))
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"min", p.Min}, {"max", p.Max}, {"step", p.Step}} {
			if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
				errs = append(errs, field.Invalid(pp.Child(f.name), f.v, prefix+"must be a finite number"))
			} else if p.Type == Int && f.v != math.Trunc(f.v) {
				errs = append(errs, field.Invalid(pp.Child(f.name), f.v, prefix+"must be a whole number for an int parameter"))
			} else if math.Abs(f.v) > 1e15 {
				errs = append(errs, field.Invalid(pp.Child(f.name), f.v, prefix+"must be within ±1e15"))
			}
		}
		if len(errs) > 0 {
			return errs
		}
		if p.Min >= p.Max {
			errs = append(errs, field.Invalid(pp.Child("min"), p.Min, fmt.Sprintf("%smin must be less than max (%v)", prefix, p.Max)))
		}
		if p.Step < 0 {
			errs = append(errs, field.Invalid(pp.Child("step"), p.Step, prefix+"step must not be negative"))
		} else if p.Step > 0 && p.Min < p.Max && p.Step > p.Max-p.Min {
			errs = append(errs, field.Invalid(pp.Child("step"), p.Step, fmt.Sprintf("%sstep must not exceed max-min (%v)", prefix, p.Max-p.Min)))
		}
		if p.Log && p.Min <= 0 {
			errs = append(errs, field.Invalid(pp.Child("min"), p.Min, prefix+"a log-scale parameter needs min > 0"))
		}
		if algorithm == NameGrid && p.Type == Double && p.Step <= 0 {
			errs = append(errs, field.Required(pp.Child("step"), prefix+"grid search over a continuous (double) parameter needs a step"))
		}
	case Categorical, Discrete:
		if p.Min != 0 || p.Max != 0 || p.Step != 0 {
			errs = append(errs, field.Forbidden(pp, prefix+"min, max and step are for double and int parameters; a "+string(p.Type)+" parameter takes values"))
		}
		if p.Log {
			errs = append(errs, field.Forbidden(pp.Child("scale"), prefix+"log scale is for double and int parameters"))
		}
		if len(p.Values) == 0 {
			errs = append(errs, field.Required(pp.Child("values"), prefix+"a "+string(p.Type)+" parameter needs at least one value"))
		}
		seen := map[string]bool{}
		for j, v := range p.Values {
			vp := pp.Child("values").Index(j)
			if seen[v] {
				errs = append(errs, field.Duplicate(vp, v))
			}
			seen[v] = true
			if p.Type == Discrete {
				if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					errs = append(errs, field.Invalid(vp, v, prefix+"a discrete value must be a finite number"))
				}
			}
		}
	default:
		errs = append(errs, field.NotSupported(pp.Child("type"), p.Type, parameterTypes))
	}
	return errs
}

// setting describes one algorithm setting.
type setting struct {
	// integer settings take whole numbers.
	integer  bool
	min, max float64
	def      float64
}

// settings are the settings each algorithm takes. Every algorithm takes
// "seed" too (a whole number): the caller turns it into Request.Seed.
var settings = map[string]map[string]setting{
	NameRandom: {},
	NameGrid:   {},
	NameTPE: {
		settingStartupTrials: {integer: true, min: 1, max: 1000, def: 10},
		settingEICandidates:  {integer: true, min: 1, max: 1000, def: 24},
		settingGamma:         {min: 0.01, max: 1, def: 0.1},
	},
	NameHyperband: {
		settingMaxBudget: {integer: true, min: 1, max: 1e9, def: 81},
		settingMinBudget: {integer: true, min: 1, max: 1e9, def: 1},
		settingEta:       {integer: true, min: 2, max: 100, def: 3},
	},
}

// SettingSeed is the setting every algorithm takes for its seed.
const SettingSeed = "seed"

// ValidateSettings validates an algorithm's name and settings; fldPath is
// the path of spec.algorithm.
func ValidateSettings(algorithm string, values map[string]string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	known, ok := settings[algorithm]
	if !ok {
		return append(errs, field.NotSupported(fldPath.Child("name"), algorithm, Names()))
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sp := fldPath.Child("settings")
	for _, k := range keys {
		v := values[k]
		if k == SettingSeed {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				errs = append(errs, field.Invalid(sp.Key(k), v, "the seed must be a whole number"))
			}
			continue
		}
		s, ok := known[k]
		if !ok {
			names := []string{SettingSeed}
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			errs = append(errs, field.NotSupported(sp.Key(k), k, names))
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		switch {
		case err != nil || math.IsNaN(f):
			errs = append(errs, field.Invalid(sp.Key(k), v, "must be a number"))
		case s.integer && f != math.Trunc(f):
			errs = append(errs, field.Invalid(sp.Key(k), v, "must be a whole number"))
		case f < s.min || f > s.max:
			errs = append(errs, field.Invalid(sp.Key(k), v, fmt.Sprintf("must be between %v and %v", s.min, s.max)))
		}
	}
	if algorithm == NameHyperband && len(errs) == 0 {
		if lo, hi := settingValue(values, NameHyperband, settingMinBudget), settingValue(values, NameHyperband, settingMaxBudget); lo > hi {
			errs = append(errs, field.Invalid(sp.Key(settingMinBudget), values[settingMinBudget], fmt.Sprintf("must not exceed %s (%v)", settingMaxBudget, hi)))
		}
	}
	return errs
}

// settingValue returns setting name of algorithm from values, or its default
// when unset or invalid.
func settingValue(values map[string]string, algorithm, name string) float64 {
	s := settings[algorithm][name]
	if v, ok := values[name]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= s.min && f <= s.max {
			if !s.integer || f == math.Trunc(f) {
				return f
			}
		}
	}
	return s.def
}
