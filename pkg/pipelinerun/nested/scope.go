package nested

import (
	"fmt"
	"slices"
	"strings"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// scope rewrites the variables of one pipeline's tasks into those of the
// expanded spec.
type scope struct {
	// prefix of the pipeline's task names, "" at the top.
	prefix string
	// params are what $(params.x) stand for; nil keeps them.
	params map[string]string
	// nested are the expansions of the pipeline's nested tasks.
	nested map[string]*expanded
}

// rewrite returns s with its params replaced by what they stand for and
// its task outputs by those of the expanded tasks. Other variables
// ($(item), $(run.status)) and "$$" stay as written.
func (sc *scope) rewrite(s string) (string, error) {
	vars := validation.ParseVariables(s)
	if len(vars) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, v := range vars {
		text := v.Text
		switch v.Kind {
		case validation.VariableParam:
			if sc.params != nil {
				p, ok := sc.params[v.Name]
				if !ok {
					return "", fmt.Errorf("%s: no parameter %q", v.Text, v.Name)
				}
				text = p
			}
		case validation.VariableTaskOutput:
			ref, err := sc.outputRef(v.Task, v.Output)
			if err != nil {
				return "", err
			}
			text = fmt.Sprintf("$(tasks.%s.outputs.%s)", ref.task, ref.output)
		}
		b.WriteString(s[last:v.Start])
		b.WriteString(text)
		last = v.End
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// outputRef is the expanded task and output $(tasks.task.outputs.output)
// stands for.
func (sc *scope) outputRef(task, output string) (outputRef, error) {
	sub, ok := sc.nested[task]
	if !ok {
		return outputRef{task: sc.prefix + task, output: output}, nil
	}
	ref, ok := sub.outputs[output]
	if !ok {
		return outputRef{}, fmt.Errorf("$(tasks.%s.outputs.%s): the pipeline task %q runs declares no output %q in spec.outputs", task, output, task, output)
	}
	return ref, nil
}

// dependency returns the expanded tasks a dependsOn entry stands for: the
// task, or the tasks that finish a nested one.
func (sc *scope) dependency(name string) []string {
	if sub, ok := sc.nested[name]; ok {
		return sub.sinks
	}
	return []string{sc.prefix + name}
}

// checkCEL refuses a CEL condition (of the top pipeline) that reads the
// outputs of a nested task: CEL cannot name the expanded task.
func (sc *scope) checkCEL(expr string) error {
	for _, v := range validation.WhenCELRefs(expr) {
		if _, ok := sc.nested[v.Task]; ok && v.Kind == validation.VariableTaskOutput {
			return fmt.Errorf("CEL when condition %q reads %s, an output of a task that runs a pipeline: use input, operator and values with $(%s)", expr, v.Text, v.Text)
		}
	}
	return nil
}

// container returns a copy of the container task t with its name, its
// dependencies and its variables rewritten.
func (sc *scope) container(t *ml.PipelineTask) (*ml.PipelineTask, error) {
	nt := t.DeepCopy()
	nt.Name = sc.prefix + t.Name
	var err error
	if nt.Command, err = sc.rewriteAll(nt.Command); err != nil {
		return nil, err
	}
	if nt.Args, err = sc.rewriteAll(nt.Args); err != nil {
		return nil, err
	}
	for i := range nt.Env {
		if nt.Env[i].Value, err = sc.rewrite(nt.Env[i].Value); err != nil {
			return nil, err
		}
	}
	for i := range nt.When {
		if nt.When[i].Input, err = sc.rewrite(nt.When[i].Input); err != nil {
			return nil, err
		}
		if err := sc.checkCEL(nt.When[i].CEL); err != nil {
			return nil, err
		}
	}
	if fe := nt.ForEach; fe != nil && fe.From != "" {
		// A list param given as a literal stays a literal: the planner
		// reads the JSON list from.
		if fe.From, err = sc.rewrite(fe.From); err != nil {
			return nil, err
		}
	}
	nt.DependsOn = nil
	for _, d := range t.DependsOn {
		for _, f := range sc.dependency(d) {
			if !slices.Contains(nt.DependsOn, f) {
				nt.DependsOn = append(nt.DependsOn, f)
			}
		}
	}
	return nt, nil
}

func (sc *scope) rewriteAll(in []string) ([]string, error) {
	for i := range in {
		v, err := sc.rewrite(in[i])
		if err != nil {
			return nil, err
		}
		in[i] = v
	}
	return in, nil
}
