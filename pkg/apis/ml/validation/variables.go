package validation

import (
	"slices"
	"strings"
)

// VariableKind says what a $(...) variable in a pipeline task refers to.
type VariableKind string

// The kinds of variables a pipeline task may use.
const (
	// VariableParam is $(params.<name>), a pipeline parameter.
	VariableParam VariableKind = "Param"
	// VariableTaskOutput is $(tasks.<task>.outputs.<output>), an output of an upstream task.
	VariableTaskOutput VariableKind = "TaskOutput"
	// VariableItem is $(item), the item of a forEach instance.
	VariableItem VariableKind = "Item"
	// VariableRunStatus is $(run.status), the run's state as seen by a finally task.
	VariableRunStatus VariableKind = "RunStatus"
	// VariableUnknown is any other $(...), or a "$(" without its ")".
	VariableUnknown VariableKind = "Unknown"
)

// Variable is one $(...) reference found in a string.
type Variable struct {
	// Kind says what the variable refers to.
	Kind VariableKind
	// Text is the reference as written, such as "$(params.lr)".
	Text string
	// Start and End are the byte offsets of Text in the parsed string, for
	// substitution: s[Start:End] == Text.
	Start, End int
	// Name is the parameter's name of a VariableParam.
	Name string
	// Task and Output name the task and output of a VariableTaskOutput.
	Task, Output string
}

// ParseVariables returns the variables referenced in s, in order.
//
// "$$" is an escaped "$", so "$$(x)" is not a reference: it passes through
// substitution unchanged and Kubernetes turns it into a literal "$(x)" in
// the container's command, args and env values (a shell's $(date) is written
// $$(date)). Any "$(" that is not one of the known forms is returned as a
// VariableUnknown, which validation rejects.
func ParseVariables(s string) []Variable {
	var vars []Variable
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		if s[i+1] == '$' {
			i++ // skip the escaped '$'
			continue
		}
		if s[i+1] != '(' {
			continue
		}
		end := strings.IndexByte(s[i+2:], ')')
		if end < 0 {
			vars = append(vars, Variable{Kind: VariableUnknown, Text: s[i:], Start: i, End: len(s)})
			break
		}
		end += i + 3 // just past ')'
		v := parseVariable(s[i+2 : end-1])
		v.Text, v.Start, v.End = s[i:end], i, end
		vars = append(vars, v)
		i = end - 1
	}
	return vars
}

// parseVariable parses the expression between "$(" and ")".
func parseVariable(expr string) Variable {
	switch expr {
	case "item":
		return Variable{Kind: VariableItem}
	case "run.status":
		return Variable{Kind: VariableRunStatus}
	}
	if name, ok := strings.CutPrefix(expr, "params."); ok && name != "" && !strings.Contains(name, ".") {
		return Variable{Kind: VariableParam, Name: name}
	}
	// The task's name has dots in a run's snapshot, where the tasks of a
	// nested pipeline are named <task>.<inner task> (package
	// pipelinerun/nested).
	if parts := strings.Split(expr, "."); len(parts) >= 4 && parts[0] == "tasks" && parts[len(parts)-2] == "outputs" &&
		!slices.Contains(parts, "") {
		return Variable{Kind: VariableTaskOutput, Task: strings.Join(parts[1:len(parts)-2], "."), Output: parts[len(parts)-1]}
	}
	return Variable{Kind: VariableUnknown}
}
