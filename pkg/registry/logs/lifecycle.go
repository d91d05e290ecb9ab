package logs

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// lifecycle is what a follow knows of whether an object makes more pods.
type lifecycle int

const (
	// podsEnd: the object has no end of its own (Models, Notebooks): a
	// follow ends when the pods it streams have ended and no new one
	// came, as it always did.
	podsEnd lifecycle = iota
	// running: the object has not ended, so new pods may still come (a
	// replacement, a retry, the next task, a scale up): a follow waits for
	// them even when every pod it streamed has ended.
	running
	// ended: the object has ended or is gone: no pod starts any more.
	ended
	// starting: the object has no phase yet (its controller has not seen
	// it): a follow waits for its first pod, and then, until a phase
	// comes, ends like podsEnd when its pods have.
	starting
)

// EndingKind is a Kind whose objects end, and say so. A follow of such an
// object keeps streaming new pods until it ends. A Kind need not implement
// it: TrainingJobs and PipelineRuns are known by their phase.
type EndingKind interface {
	Kind
	// Ended says whether obj has ended: none of its pods starts any more.
	Ended(obj runtime.Object) bool
}

// lifecycleOf says whether obj may still make pods.
func lifecycleOf(k Kind, obj runtime.Object) lifecycle {
	if e, ok := k.(EndingKind); ok {
		if e.Ended(obj) {
			return ended
		}
		return running
	}
	switch o := obj.(type) {
	case *ml.TrainingJob:
		// A suspended job resumes later: it has not ended.
		switch o.Status.Phase {
		case ml.TrainingJobSucceeded, ml.TrainingJobFailed:
			return ended
		case "":
			return starting
		}
		return running
	case *ml.PipelineRun:
		switch o.Status.Phase {
		case ml.PipelineRunSucceeded, ml.PipelineRunFailed, ml.PipelineRunCanceled:
			return ended
		case "":
			return starting
		}
		return running
	}
	return podsEnd
}
