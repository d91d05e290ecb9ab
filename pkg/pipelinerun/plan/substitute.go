package plan

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// refErrorKind says why a reference to a task's output has no value.
type refErrorKind int

const (
	// refSkipped: the task was skipped, so it has no outputs.
	refSkipped refErrorKind = iota
	// refMissing: the task succeeded without writing the output.
	refMissing
	// refUnavailable: the task failed, was canceled or never ran.
	refUnavailable
)

// refError is a reference to an output that has no value.
type refError struct {
	kind         refErrorKind
	task, output string
}

func (e *refError) Error() string {
	switch e.kind {
	case refSkipped:
		return fmt.Sprintf("task %q was skipped, so its output %q has no value", e.task, e.output)
	case refMissing:
		return fmt.Sprintf("task %q succeeded without writing its output %q", e.task, e.output)
	default:
		return fmt.Sprintf("task %q did not succeed, so its output %q has no value", e.task, e.output)
	}
}

// scope is what variables resolve to for one task instance.
type scope struct {
	params map[string]string
	// output returns the value of $(tasks.<task>.outputs.<output>).
	output func(task, output string) (string, error)
	// item is the forEach item, nil outside forEach instances.
	item *string
	// runStatus is $(run.status), set for finally tasks.
	runStatus string
}

// expand returns s with its variables replaced. With escape, every "$" of
// a substituted value is doubled, so that Kubernetes' own $(VAR) expansion
// of command, args and env turns it back into exactly the value; "$$" of
// the template is left for Kubernetes to unescape.
func (sc *scope) expand(s string, escape bool) (string, error) {
	vars := validation.ParseVariables(s)
	if len(vars) == 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, v := range vars {
		var value string
		switch v.Kind {
		case validation.VariableParam:
			p, ok := sc.params[v.Name]
			if !ok {
				return "", fmt.Errorf("%s: no parameter %q", v.Text, v.Name)
			}
			value = p
		case validation.VariableTaskOutput:
			o, err := sc.output(v.Task, v.Output)
			if err != nil {
				return "", err
			}
			value = o
		case validation.VariableItem:
			if sc.item == nil {
				return "", fmt.Errorf("%s is only set in tasks with forEach", v.Text)
			}
			value = *sc.item
		case validation.VariableRunStatus:
			if sc.runStatus == "" {
				return "", fmt.Errorf("%s is only set in finally tasks", v.Text)
			}
			value = sc.runStatus
		default:
			return "", fmt.Errorf("unknown variable %s", v.Text)
		}
		b.WriteString(s[last:v.Start])
		if escape {
			value = strings.ReplaceAll(value, "$", "$$")
		}
		b.WriteString(value)
		last = v.End
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// container is the part of a task's container that substitution changes.
type container struct {
	Command, Args []string
	Env           []corev1.EnvVar
}

// expandContainer substitutes command, args and env values.
func (sc *scope) expandContainer(command, args []string, env []corev1.EnvVar) (container, error) {
	var c container
	var err error
	if c.Command, err = sc.expandAll(command); err != nil {
		return c, err
	}
	if c.Args, err = sc.expandAll(args); err != nil {
		return c, err
	}
	if len(env) > 0 {
		c.Env = make([]corev1.EnvVar, len(env))
		for i := range env {
			env[i].DeepCopyInto(&c.Env[i])
			if c.Env[i].Value, err = sc.expand(env[i].Value, true); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func (sc *scope) expandAll(in []string) ([]string, error) {
	if in == nil {
		return nil, nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		v, err := sc.expand(s, true)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
