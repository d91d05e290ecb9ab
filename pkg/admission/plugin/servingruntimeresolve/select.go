package servingruntimeresolve

import (
	"cmp"
	"slices"
	"strings"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Candidate is a serving runtime a Model may be served by.
type Candidate struct {
	Kind ml.ServingRuntimeKind
	Name string
	Spec *ml.ServingRuntimeSpec
}

// Select picks the runtime of a Model that names only its format, as
// KServe does: among the runtimes that are not disabled and list the format
// with autoSelect, a ServingRuntime of the Model's namespace always wins
// over a ClusterServingRuntime; within a kind the highest priority wins, and
// ties go to the first name in alphabetical order. Format names match
// case-insensitively; a version matches when either side leaves it empty
// or both are equal. ok is false when no runtime supports the format.
func Select(format, version string, candidates []Candidate) (chosen Candidate, ok bool) {
	type scored struct {
		Candidate
		priority int32
	}
	var matches []scored
	for _, c := range candidates {
		if c.Spec == nil || c.Spec.Disabled {
			continue
		}
		if p, found := priority(c.Spec, format, version, true); found {
			matches = append(matches, scored{c, p})
		}
	}
	if len(matches) == 0 {
		return Candidate{}, false
	}
	best := slices.MinFunc(matches, func(a, b scored) int {
		return cmp.Or(
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			cmp.Compare(b.priority, a.priority),
			strings.Compare(a.Name, b.Name),
		)
	})
	return best.Candidate, true
}

// Supports reports whether spec lists the format (autoSelect or not), for
// a Model that names its runtime explicitly.
func Supports(spec *ml.ServingRuntimeSpec, format, version string) bool {
	_, found := priority(spec, format, version, false)
	return found
}

// priority is the highest priority among the entries of spec that match
// the format and version (and have autoSelect, when autoSelect is asked).
func priority(spec *ml.ServingRuntimeSpec, format, version string, autoSelect bool) (int32, bool) {
	var (
		best  int32
		found bool
	)
	for _, f := range spec.SupportedModelFormats {
		if !strings.EqualFold(f.Name, format) || (autoSelect && !f.AutoSelect) {
			continue
		}
		if f.Version != "" && version != "" && f.Version != version {
			continue
		}
		if !found || f.Priority > best {
			best, found = f.Priority, true
		}
	}
	return best, found
}

// kindRank orders the namespaced kind before the cluster-wide one.
func kindRank(k ml.ServingRuntimeKind) int {
	if k == ml.ServingRuntimeKindName {
		return 0
	}
	return 1
}
