package validation

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Defaults of the caps in Options, documented in docs/api.md.
const (
	// DefaultMaxReplicas caps the replicas of a TrainingJob (and its
	// elastic maxReplicas) and of a Model.
	DefaultMaxReplicas int32 = 1000
	// DefaultMaxForEachItems caps the instances of one forEach task.
	DefaultMaxForEachItems int32 = 5000
	// DefaultMaxRunInstances caps the forEach instances of one run, all
	// its tasks together.
	DefaultMaxRunInstances int32 = 10000
	// DefaultMaxRunsHistory caps each history limit of a RecurringRun
	// (the finished runs it keeps).
	DefaultMaxRunsHistory int32 = 100
	// DefaultMaxTuningTrials caps spec.maxTrials of a TuningJob.
	DefaultMaxTuningTrials int32 = 1000
	// DefaultMaxParallelTrials caps spec.parallelTrials of a TuningJob.
	DefaultMaxParallelTrials int32 = 50
)

// Options are the server-wide caps objects are validated against. The
// server sets them from its flags (--max-replicas, --max-foreach) and hands
// them to the strategies; validation stays a pure function of its
// arguments.
type Options struct {
	// MaxReplicas is the most replicas a TrainingJob or Model may ask for.
	MaxReplicas int32
	// MaxForEachItems is the most instances one forEach task may have.
	MaxForEachItems int32
	// MaxRunInstances is the most forEach instances one run may have, its
	// tasks together; 0 means DefaultMaxRunInstances.
	MaxRunInstances int32
	// MaxRunsHistory is the most finished runs of each outcome a
	// RecurringRun may keep; 0 means DefaultMaxRunsHistory.
	MaxRunsHistory int32
	// MinRecurringInterval is the shortest spec.schedule.interval of a
	// RecurringRun; 0 means v1alpha1.MinRecurringInterval.
	MinRecurringInterval time.Duration
	// WhenCELCostLimit is the most a CEL when condition may cost, by its
	// estimate at admission; 0 means DefaultWhenCELCostLimit.
	WhenCELCostLimit int64
	// ForbidLocalFiles refuses Model sources that name files of the
	// server's host (file:// URIs, paths): set on a cluster.
	ForbidLocalFiles bool
	// MaxTuningTrials and MaxParallelTrials cap spec.maxTrials and
	// spec.parallelTrials of a TuningJob; 0 means their defaults.
	MaxTuningTrials, MaxParallelTrials int32

	// storedCEL are the CEL when conditions of the stored object on an
	// update, which keep passing the cost check (ratchetWhenCEL).
	storedCEL sets.Set[string]

	// storedReadinessProbe is the readiness probe of the stored object on
	// an update, which is not validated again (ratchetProbe).
	storedReadinessProbe *corev1.Probe
}

// DefaultOptions returns the caps a server runs with unless told otherwise.
func DefaultOptions() Options {
	return Options{MaxReplicas: DefaultMaxReplicas, MaxForEachItems: DefaultMaxForEachItems, MaxRunsHistory: DefaultMaxRunsHistory,
		MinRecurringInterval: v1alpha1.MinRecurringInterval, MaxRunInstances: DefaultMaxRunInstances, MaxTuningTrials: DefaultMaxTuningTrials, MaxParallelTrials: DefaultMaxParallelTrials}
}

// validateMaximum checks an optional count against a server cap, naming
// the flag that sets the cap so an administrator knows what to change.
func validateMaximum(v *int32, maximum int32, flag string, fldPath *field.Path) field.ErrorList {
	if v != nil && *v > maximum {
		return field.ErrorList{field.Invalid(fldPath, *v, fmt.Sprintf("must be no more than %d (the server's %s)", maximum, flag))}
	}
	return nil
}

// Flags that set the caps of Options, named in the errors.
const (
	maxReplicasFlag       = "--max-replicas"
	maxForEachFlag        = "--max-foreach"
	maxRunInstFlag        = "--max-run-instances"
	maxRunsHistoryFlag    = "--max-runs-history"
	minIntervalFlag       = "--min-recurring-interval"
	maxTuningTrialsFlag   = "--max-tuning-trials"
	maxParallelTrialsFlag = "--max-parallel-trials"
)

// ratchetReplicas lets an update keep (or lower) a count that was stored
// under a higher cap: the cap becomes the old count when that is higher,
// so lowering --max-replicas never blocks other edits of existing objects.
func (o Options) ratchetReplicas(old ...*int32) Options {
	for _, v := range old {
		if v != nil && *v > o.MaxReplicas {
			o.MaxReplicas = *v
		}
	}
	return o
}

// ratchetProbe lets an update keep the readiness probe the stored object
// has, valid or not: probes were not validated before, and a stored Model
// must still take other edits (a finalizer's removal among them).
func (o Options) ratchetProbe(old *corev1.Probe) Options {
	o.storedReadinessProbe = old
	return o
}

// storedProbe says whether p is the stored object's probe.
func (o Options) storedProbe(p *corev1.Probe) bool {
	return o.storedReadinessProbe != nil && apiequality.Semantic.DeepEqual(p, o.storedReadinessProbe)
}

// ratchetForEach is ratchetReplicas for the literal forEach lists of a
// stored pipeline spec.
func (o Options) ratchetForEach(old *ml.PipelineSpec) Options {
	for _, tasks := range [][]ml.PipelineTask{old.Tasks, old.Finally} {
		for _, t := range tasks {
			if t.ForEach != nil && int32(len(t.ForEach.Items)) > o.MaxForEachItems {
				o.MaxForEachItems = int32(len(t.ForEach.Items))
			}
		}
	}
	if n := literalInstances(old); n > o.maxRunInstances() {
		o.MaxRunInstances = n
	}
	return o
}

// ratchetWhenCEL is ratchetReplicas for the CEL when conditions of a
// stored pipeline spec: a condition stored under a higher
// --max-when-cel-cost passes the cost check again unchanged, so lowering
// the limit never blocks other edits (the controller still holds its
// evaluation to the new limit).
func (o Options) ratchetWhenCEL(old *ml.PipelineSpec) Options {
	for _, tasks := range [][]ml.PipelineTask{old.Tasks, old.Finally} {
		for _, t := range tasks {
			for _, w := range t.When {
				if w.CEL == "" {
					continue
				}
				if o.storedCEL == nil {
					o.storedCEL = sets.New[string]()
				}
				o.storedCEL.Insert(w.CEL)
			}
		}
	}
	return o
}
