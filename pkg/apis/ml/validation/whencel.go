package validation

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/utils/lru"
)

// Bounds of CEL when conditions, documented in docs/pipelines.md.
const (
	// DefaultWhenCELCostLimit is the cost a CEL when condition may have:
	// its estimated worst case at admission and its actual cost when it
	// is evaluated (--max-when-cel-cost). It is the per-expression limit
	// of Kubernetes' ValidatingAdmissionPolicy.
	DefaultWhenCELCostLimit int64 = 1_000_000
	// MaxWhenCELBytes is the longest CEL when condition.
	MaxWhenCELBytes = 4096
	// whenCELValueBytes is the size the cost estimate assumes for each
	// variable's value: the termination message cap, the most output text
	// a task can write. A longer param value is held to the limit when
	// the condition is evaluated.
	whenCELValueBytes = 4096
	// whenCELMaxEntries is the number of entries the cost estimate
	// assumes for params and tasks and each task's outputs.
	whenCELMaxEntries = 1024
)

// maxWhenCELCostFlag sets the cost limit; errors name it.
const maxWhenCELCostFlag = "--max-when-cel-cost"

// WhenCEL is a compiled CEL when condition.
type WhenCEL struct {
	program cel.Program
	// Refs are the params and task outputs the condition reads, each
	// once: VariableParam and VariableTaskOutput with Text as written in
	// CEL (tasks.train.outputs.accuracy).
	Refs []Variable
}

// whenCELEnv declares the variables of CEL when conditions: params and
// upstream outputs are strings (convert with double(), int(), bool()).
var whenCELEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("params", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("tasks", cel.MapType(cel.StringType, cel.MapType(cel.StringType, cel.MapType(cel.StringType, cel.StringType)))),
		ext.Strings(),
	)
})

// whenCELCache holds compiled conditions by limit and expression, so that
// a run's conditions compile once rather than on every plan. Programs are
// safe for concurrent use.
var whenCELCache = lru.New(1024)

// WhenCELCostError is a condition whose estimated cost passes the limit.
type WhenCELCostError struct {
	Estimate, Limit uint64
}

func (e *WhenCELCostError) Error() string {
	return fmt.Sprintf("estimated cost %d exceeds the limit of %d (the server's %s); bound the work, e.g. compare fewer or shorter values", e.Estimate, e.Limit, maxWhenCELCostFlag)
}

// CompileWhenCEL parses, type-checks and cost-checks a CEL when condition
// and returns its program, which evaluation holds to limit (0 means
// DefaultWhenCELCostLimit). The condition must be a bool, may read tasks
// only as tasks.<task>.outputs.<output>, and its estimated worst-case cost
// must be within limit (a *WhenCELCostError otherwise).
func CompileWhenCEL(expr string, limit int64) (*WhenCEL, error) {
	if limit <= 0 {
		limit = DefaultWhenCELCostLimit
	}
	cacheKey := fmt.Sprintf("%d\x00%s", limit, expr)
	if c, ok := whenCELCache.Get(cacheKey); ok {
		return c.(*WhenCEL), nil
	}
	if len(expr) > MaxWhenCELBytes {
		return nil, fmt.Errorf("is %d bytes, more than the limit of %d", len(expr), MaxWhenCELBytes)
	}
	env, err := whenCELEnv()
	if err != nil {
		return nil, fmt.Errorf("CEL environment: %w", err)
	}
	checked, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile: %s", strings.TrimSpace(iss.Err().Error()))
	}
	if !checked.OutputType().IsExactType(types.BoolType) {
		return nil, fmt.Errorf("must be a bool expression, not %s", checked.OutputType())
	}
	refs, err := whenCELRefs(checked)
	if err != nil {
		return nil, err
	}
	est, err := env.EstimateCost(checked, whenCELEstimator{})
	if err != nil {
		return nil, fmt.Errorf("estimate cost: %w", err)
	}
	if est.Max > uint64(limit) {
		return nil, &WhenCELCostError{Estimate: est.Max, Limit: uint64(limit)}
	}
	prg, err := env.Program(checked, cel.CostLimit(uint64(limit)))
	if err != nil {
		return nil, fmt.Errorf("program: %w", err)
	}
	c := &WhenCEL{program: prg, Refs: refs}
	whenCELCache.Add(cacheKey, c)
	return c, nil
}

// Eval evaluates the condition with the values of params and of the task
// outputs it reads (tasks[task][output]).
func (c *WhenCEL) Eval(ctx context.Context, params map[string]string, outputs map[string]map[string]string) (bool, error) {
	tasks := make(map[string]map[string]map[string]string, len(outputs))
	for task, o := range outputs {
		tasks[task] = map[string]map[string]string{"outputs": o}
	}
	out, _, err := c.program.ContextEval(ctx, map[string]any{"params": params, "tasks": tasks})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("result is %v, not a bool", out)
	}
	return b, nil
}

// WhenCELRefs returns the params and task outputs a CEL condition reads,
// or nil when it does not compile: for dependencies, which validation of
// the condition checks.
func WhenCELRefs(expr string) []Variable {
	if expr == "" {
		return nil
	}
	if c, err := CompileWhenCEL(expr, 0); err == nil {
		return c.Refs
	}
	env, err := whenCELEnv()
	if err != nil {
		return nil
	}
	parsed, iss := env.Parse(expr)
	if iss.Err() != nil {
		return nil
	}
	refs, _ := whenCELRefs(parsed)
	return refs
}

// whenCELRefs walks a condition for params.<name> and
// tasks.<task>.outputs.<output>. Any other use of tasks (an index with a
// computed name, a macro over all tasks) is refused: the tasks a condition
// reads must be known, as they are dependencies.
func whenCELRefs(a *cel.Ast) ([]Variable, error) {
	var refs []Variable
	seen := map[string]bool{}
	used := map[int64]bool{} // ids of tasks/params idents in a reference
	var bad string
	celast.PreOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.SelectKind {
			return
		}
		sel := e.AsSelect()
		op := sel.Operand()
		if op.Kind() == celast.IdentKind && op.AsIdent() == "params" {
			used[op.ID()] = true
			v := Variable{Kind: VariableParam, Name: sel.FieldName(), Text: "params." + sel.FieldName()}
			if !seen[v.Text] {
				seen[v.Text] = true
				refs = append(refs, v)
			}
			return
		}
		// tasks.<task>.outputs.<output>: select(select(select(tasks, task), outputs), output)
		if op.Kind() != celast.SelectKind || op.AsSelect().FieldName() != "outputs" {
			return
		}
		taskSel := op.AsSelect().Operand()
		if taskSel.Kind() != celast.SelectKind {
			return
		}
		root := taskSel.AsSelect().Operand()
		if root.Kind() != celast.IdentKind || root.AsIdent() != "tasks" {
			return
		}
		used[root.ID()] = true
		task := taskSel.AsSelect().FieldName()
		v := Variable{Kind: VariableTaskOutput, Task: task, Output: sel.FieldName(), Text: "tasks." + task + ".outputs." + sel.FieldName()}
		if !seen[v.Text] {
			seen[v.Text] = true
			refs = append(refs, v)
		}
	}))
	celast.PreOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if bad == "" && e.Kind() == celast.IdentKind && !used[e.ID()] {
			switch e.AsIdent() {
			case "tasks":
				bad = "tasks may only be read as tasks.<task>.outputs.<output>"
			case "params":
				bad = "params may only be read as params.<name>"
			}
		}
	}))
	if bad != "" {
		return nil, fmt.Errorf("%s", bad)
	}
	return refs, nil
}

// whenCELEstimator bounds the sizes of the variables for the cost
// estimate: strings of whenCELValueBytes, maps of whenCELMaxEntries.
type whenCELEstimator struct{}

func (whenCELEstimator) EstimateSize(element checker.AstNode) *checker.SizeEstimate {
	switch element.Type().Kind() {
	case types.StringKind, types.BytesKind:
		return &checker.SizeEstimate{Min: 0, Max: whenCELValueBytes}
	case types.MapKind, types.ListKind:
		return &checker.SizeEstimate{Min: 0, Max: whenCELMaxEntries}
	}
	return nil
}

func (whenCELEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}
