package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// maxRunInstances is the cap of forEach instances per run.
func (o Options) maxRunInstances() int32 {
	if o.MaxRunInstances > 0 {
		return o.MaxRunInstances
	}
	return DefaultMaxRunInstances
}

// validateForEachParallelism checks forEach.parallelism: at least 1, and
// no more than a forEach list may hold.
func (pc *pipelineContext) validateForEachParallelism(fe *ml.ForEach, fldPath *field.Path) field.ErrorList {
	switch {
	case fe.Parallelism == nil:
		return nil
	case *fe.Parallelism < 1:
		return field.ErrorList{field.Invalid(fldPath, *fe.Parallelism, "must be at least 1")}
	}
	return validateMaximum(fe.Parallelism, pc.opts.MaxForEachItems, maxForEachFlag, fldPath)
}

// literalInstances counts the instances of the literal forEach lists of
// spec: those known before the run starts.
func literalInstances(spec *ml.PipelineSpec) int32 {
	var n int32
	for _, tasks := range [][]ml.PipelineTask{spec.Tasks, spec.Finally} {
		for _, t := range tasks {
			if t.ForEach != nil {
				n += int32(len(t.ForEach.Items))
			}
		}
	}
	return n
}

// validateRunInstances holds the literal forEach lists of a pipeline,
// together, to the cap of instances per run; lists read at run time are
// held to it by the controller.
func validateRunInstances(spec *ml.PipelineSpec, opts Options, fldPath *field.Path) field.ErrorList {
	if n, limit := literalInstances(spec), opts.maxRunInstances(); n > limit {
		return field.ErrorList{field.Invalid(fldPath.Child("tasks"), field.OmitValueType{},
			fmt.Sprintf("the forEach lists of the pipeline have %d items together, more than the %d instances a run may have (the server's %s)", n, limit, maxRunInstFlag))}
	}
	return nil
}
