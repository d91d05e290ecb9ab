package nested

import (
	"fmt"
	"slices"
	"strings"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// nestedTask resolves and expands the pipeline task t references, in the
// scope sc of the pipeline t belongs to (ps).
func (x *expansion) nestedTask(t *ml.PipelineTask, sc *scope, ps pipelineScope) (*expanded, error) {
	name := t.PipelineRef.Name
	where := fmt.Sprintf("task %q of %s", t.Name, ps.name())
	chain := append(slices.Clone(ps.chain), name)
	if i := slices.Index(ps.chain, name); i >= 0 {
		return nil, fmt.Errorf("%s references Pipeline %q, which makes a cycle of pipelines: %s", where, name, joinChain(chain[i:]))
	}
	if depth := ps.depth + 1; depth > int(x.e.Limits.MaxDepth) {
		return nil, fmt.Errorf("%s nests pipelines %d deep, more than the limit of %d (the server's %s): %s", where, depth, x.e.Limits.MaxDepth, MaxDepthFlag, joinChain(chain))
	}
	spec, found, err := x.e.Get(name)
	if err != nil {
		return nil, fmt.Errorf("%s: read Pipeline %q: %w", where, name, err)
	}
	if !found {
		return nil, fmt.Errorf("%s: Pipeline %q does not exist in namespace %q", where, name, x.e.Namespace)
	}
	if len(spec.Finally) > 0 {
		return nil, fmt.Errorf("%s: Pipeline %q has finally tasks, which a pipeline run by pipelineRef may not have (its tasks join the run, whose own finally tasks run last)", where, name)
	}
	params, err := sc.nestedParams(t, spec.Params, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	inner := pipelineScope{prefix: sc.prefix + t.Name + Separator, params: params, chain: chain, depth: ps.depth + 1}
	sub, err := x.pipeline(spec, inner)
	if err != nil {
		return nil, err
	}
	for _, o := range t.Outputs {
		if _, ok := sub.outputs[o.Name]; !ok {
			return nil, fmt.Errorf("%s declares output %q, which Pipeline %q does not declare in spec.outputs", where, o.Name, name)
		}
	}
	if err := sc.applyOuter(t, sub); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return sub, nil
}

// nestedParams returns the templates the params of the referenced
// pipeline (declared) stand for: what t gives, in the outer scope, or the
// defaults, escaped so they are taken as written.
func (sc *scope) nestedParams(t *ml.PipelineTask, declared []ml.ParamSpec, pipeline string) (map[string]string, error) {
	given := make(map[string]string, len(t.Params))
	for _, p := range t.Params {
		if !slices.ContainsFunc(declared, func(d ml.ParamSpec) bool { return d.Name == p.Name }) {
			return nil, fmt.Errorf("param %q is not a parameter of Pipeline %q", p.Name, pipeline)
		}
		given[p.Name] = p.Value
	}
	params := make(map[string]string, len(declared))
	for _, d := range declared {
		v, ok := given[d.Name]
		if !ok {
			if d.Default == nil {
				return nil, fmt.Errorf("parameter %q of Pipeline %q has no default and must be given in params", d.Name, pipeline)
			}
			params[d.Name] = strings.ReplaceAll(*d.Default, "$", "$$")
			continue
		}
		if len(validation.ParseVariables(v)) == 0 {
			if err := validation.CheckParamValue(d.Type, v); err != nil {
				return nil, fmt.Errorf("param %q of Pipeline %q is of type %s: %v", d.Name, pipeline, paramType(d.Type), err)
			}
		}
		rewritten, err := sc.rewrite(v)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", d.Name, err)
		}
		params[d.Name] = rewritten
	}
	return params, nil
}

func paramType(t ml.ParamType) ml.ParamType {
	if t == "" {
		return ml.ParamTypeString
	}
	return t
}

// applyOuter applies what t says to the tasks of its expansion sub: its
// dependencies to the inner tasks that depend on no other inner task, its
// when conditions to all, its retries to those that have none, and
// cache: false.
func (sc *scope) applyOuter(t *ml.PipelineTask, sub *expanded) error {
	var deps []string
	for _, d := range t.DependsOn {
		deps = append(deps, sc.dependency(d)...)
	}
	when := make([]ml.WhenExpression, 0, len(t.When))
	for _, w := range t.When {
		w := *w.DeepCopy()
		var err error
		if w.Input, err = sc.rewrite(w.Input); err != nil {
			return err
		}
		if w.CEL != "" {
			if sc.prefix != "" {
				return fmt.Errorf("CEL when conditions are not supported in a pipeline run by pipelineRef (the names of its tasks change); use input, operator and values")
			}
			if err := sc.checkCEL(w.CEL); err != nil {
				return err
			}
		}
		when = append(when, w)
	}
	// Dependencies through params reach the inner tasks that read them;
	// those of when conditions must hold for every inner task.
	for _, w := range when {
		for _, v := range validation.ParseVariables(w.Input) {
			if v.Kind == validation.VariableTaskOutput {
				deps = append(deps, v.Task)
			}
		}
	}
	inner := make(map[string]bool, len(sub.tasks))
	for i := range sub.tasks {
		inner[sub.tasks[i].Name] = true
	}
	for i := range sub.tasks {
		it := &sub.tasks[i]
		root := !slices.ContainsFunc(validation.DependenciesOf(*it), func(d string) bool { return inner[d] })
		if root {
			for _, d := range deps {
				if !slices.Contains(it.DependsOn, d) {
					it.DependsOn = append(it.DependsOn, d)
				}
			}
		}
		for _, w := range when {
			it.When = append(it.When, *w.DeepCopy())
		}
		if it.Retries == nil && t.Retries != nil {
			it.Retries = t.Retries.DeepCopy()
		}
		if t.Cache != nil && !*t.Cache {
			off := false
			it.Cache = &off
		}
	}
	return nil
}
