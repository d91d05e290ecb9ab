package nested

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// Defaults of Limits, documented in docs/pipelines.md.
const (
	// DefaultMaxDepth is how many pipelines deep pipelineRef tasks may
	// nest (--max-pipeline-nesting-depth).
	DefaultMaxDepth int32 = 5
	// DefaultMaxTasks is the most tasks and finally tasks a run's snapshot
	// may hold once nested pipelines are expanded (--max-pipeline-tasks).
	DefaultMaxTasks int32 = 1000
)

// Flags that set Limits, named in the errors.
const (
	MaxDepthFlag = "--max-pipeline-nesting-depth"
	MaxTasksFlag = "--max-pipeline-tasks"
)

// Separator joins a nested task's name and the names of its pipeline's
// tasks: task names are DNS labels, so it never appears in one.
const Separator = "."

// Limits bound the expansion of nested pipelines.
type Limits struct {
	// MaxDepth is how many pipelines deep pipelineRef tasks may nest: 1
	// lets a run's pipeline use pipelines that use none.
	MaxDepth int32
	// MaxTasks is the most tasks and finally tasks of the expanded spec.
	MaxTasks int32
}

// DefaultLimits are the limits a server runs with unless told otherwise.
func DefaultLimits() Limits {
	return Limits{MaxDepth: DefaultMaxDepth, MaxTasks: DefaultMaxTasks}
}

// Getter returns the spec of the Pipeline name of the run's namespace, a
// copy the expansion may keep; found is false when there is none.
type Getter func(name string) (spec *ml.PipelineSpec, found bool, err error)

// Expander expands the nested pipelines of a run's pipeline.
type Expander struct {
	// Namespace of the run, for messages.
	Namespace string
	// Get reads Pipelines of the namespace.
	Get Getter
	// Limits bound the expansion.
	Limits Limits
}

// HasNested says whether spec has a task with pipelineRef.
func HasNested(spec *ml.PipelineSpec) bool {
	return slices.ContainsFunc(spec.Tasks, func(t ml.PipelineTask) bool { return t.PipelineRef != nil })
}

// Expand returns spec with every task with pipelineRef replaced by the
// tasks of the pipeline it references, recursively (see the package
// documentation); spec itself is not changed. root is the name of the
// Pipeline spec was taken from, "" for a run's inline pipelineSpec.
// Errors are reported at fldPath (the run's spec.pipelineRef.name or
// spec.pipelineSpec) and name the task and the pipelines concerned.
func (e *Expander) Expand(spec *ml.PipelineSpec, root string, fldPath *field.Path) (*ml.PipelineSpec, field.ErrorList) {
	if !HasNested(spec) {
		if err := e.checkCount(len(spec.Tasks) + len(spec.Finally)); err != nil {
			return nil, field.ErrorList{field.Invalid(fldPath, field.OmitValueType{}, err.Error())}
		}
		return spec, nil
	}
	x := &expansion{e: e, count: len(spec.Finally)}
	var chain []string
	if root != "" {
		chain = []string{root}
	}
	out, err := x.pipeline(spec, pipelineScope{chain: chain})
	if err != nil {
		return nil, field.ErrorList{field.Invalid(fldPath, field.OmitValueType{}, err.Error())}
	}
	expanded := &ml.PipelineSpec{Description: spec.Description, Params: spec.Params, Tasks: out.tasks}
	top := &scope{nested: out.nested}
	for i := range spec.Finally {
		t, err := top.container(&spec.Finally[i])
		if err != nil {
			return nil, field.ErrorList{field.Invalid(fldPath, field.OmitValueType{}, fmt.Sprintf("finally task %q: %v", spec.Finally[i].Name, err))}
		}
		expanded.Finally = append(expanded.Finally, *t)
	}
	for _, o := range spec.Outputs {
		v, err := top.rewrite(o.Value)
		if err != nil {
			return nil, field.ErrorList{field.Invalid(fldPath, field.OmitValueType{}, fmt.Sprintf("output %q: %v", o.Name, err))}
		}
		o.Value = v
		expanded.Outputs = append(expanded.Outputs, o)
	}
	return expanded, nil
}

func (e *Expander) checkCount(n int) error {
	if e.Limits.MaxTasks > 0 && n > int(e.Limits.MaxTasks) {
		return fmt.Errorf("the run would have %d tasks once nested pipelines are expanded, more than the limit of %d (the server's %s)", n, e.Limits.MaxTasks, MaxTasksFlag)
	}
	return nil
}

// expansion is one Expand in the making.
type expansion struct {
	e *Expander
	// count is the number of tasks so far, for MaxTasks.
	count int
}

// pipelineScope is where a pipeline is expanded.
type pipelineScope struct {
	// prefix is prepended to the names of the pipeline's tasks: "" at the
	// top, "<task>." inside a nested task.
	prefix string
	// params are the templates the pipeline's params stand for; nil at
	// the top, where $(params.x) stay the run's params.
	params map[string]string
	// chain names the pipelines from the run's down to this one, for
	// cycles, depth and messages.
	chain []string
	// depth is how many pipelineRef tasks lead here.
	depth int
}

// expanded is a pipeline's tasks once expanded.
type expanded struct {
	tasks []ml.PipelineTask
	// nested are the expansions of the pipeline's nested tasks, by name.
	nested map[string]*expanded
	// outputs are the pipeline's named outputs: the flat task and output
	// each stands for.
	outputs map[string]outputRef
	// sinks are the tasks no other task of the expansion depends on: the
	// tasks that finish it.
	sinks []string
}

type outputRef struct{ task, output string }

func (p pipelineScope) name() string {
	if len(p.chain) == 0 {
		return "the run's pipelineSpec"
	}
	return fmt.Sprintf("Pipeline %q", p.chain[len(p.chain)-1])
}

// pipeline expands the regular tasks of spec in scope ps.
func (x *expansion) pipeline(spec *ml.PipelineSpec, ps pipelineScope) (*expanded, error) {
	out := &expanded{nested: map[string]*expanded{}, outputs: map[string]outputRef{}}
	sc := &scope{prefix: ps.prefix, params: ps.params, nested: out.nested}
	byName := make(map[string]*ml.PipelineTask, len(spec.Tasks))
	for i := range spec.Tasks {
		byName[spec.Tasks[i].Name] = &spec.Tasks[i]
	}
	// Nested tasks are expanded in dependency order: the params of one may
	// read the outputs of another.
	done := sets.New[string]()
	var visit func(t *ml.PipelineTask) error
	visit = func(t *ml.PipelineTask) error {
		if done.Has(t.Name) {
			return nil
		}
		done.Insert(t.Name) // validation refused cycles within a pipeline
		for _, d := range validation.DependenciesOf(*t) {
			if dt := byName[d]; dt != nil && dt.PipelineRef != nil {
				if err := visit(dt); err != nil {
					return err
				}
			}
		}
		if t.PipelineRef == nil {
			return nil
		}
		sub, err := x.nestedTask(t, sc, ps)
		if err != nil {
			return err
		}
		out.nested[t.Name] = sub
		return nil
	}
	for i := range spec.Tasks {
		t := &spec.Tasks[i]
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	for i := range spec.Tasks {
		t := &spec.Tasks[i]
		if sub := out.nested[t.Name]; sub != nil {
			out.tasks = append(out.tasks, sub.tasks...)
			continue
		}
		if ps.prefix != "" && slices.ContainsFunc(t.When, func(w ml.WhenExpression) bool { return w.CEL != "" }) {
			return nil, fmt.Errorf("task %q of %s has a CEL when condition: CEL conditions are not supported in a pipeline run by pipelineRef (the names of its tasks change); use input, operator and values", t.Name, ps.name())
		}
		nt, err := sc.container(t)
		if err != nil {
			return nil, fmt.Errorf("task %q of %s: %w", t.Name, ps.name(), err)
		}
		out.tasks = append(out.tasks, *nt)
		x.count++
		if err := x.e.checkCount(x.count); err != nil {
			return nil, err
		}
	}
	for _, o := range spec.Outputs {
		v := validation.ParseVariables(o.Value)
		if len(v) != 1 || v[0].Kind != validation.VariableTaskOutput {
			return nil, fmt.Errorf("output %q of %s: must be $(tasks.<task>.outputs.<output>)", o.Name, ps.name())
		}
		ref, err := sc.outputRef(v[0].Task, v[0].Output)
		if err != nil {
			return nil, fmt.Errorf("output %q of %s: %w", o.Name, ps.name(), err)
		}
		out.outputs[o.Name] = ref
	}
	out.sinks = sinks(out.tasks)
	return out, nil
}

// sinks returns the names of the tasks no other of tasks depends on.
func sinks(tasks []ml.PipelineTask) []string {
	needed := sets.New[string]()
	for i := range tasks {
		needed.Insert(validation.DependenciesOf(tasks[i])...)
	}
	var names []string
	for i := range tasks {
		if !needed.Has(tasks[i].Name) {
			names = append(names, tasks[i].Name)
		}
	}
	return names
}

// joinChain writes pipelines as a -> b -> c.
func joinChain(chain []string) string { return strings.Join(chain, " -> ") }
