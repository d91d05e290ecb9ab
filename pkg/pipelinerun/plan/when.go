package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// whenHolds says whether every when expression of entry i of node ni
// holds. When one does not, the entry is Skipped (WhenNotMet); when one
// cannot be evaluated (an output without a value, a CEL error), it ends as
// unresolvable says; either way whenHolds returns false.
func (p *planner) whenHolds(ni, i int, sc *scope) bool {
	e := &p.entries[i]
	for k, w := range p.g.nodes[ni].task.When {
		if w.CEL != "" {
			ok, err := p.evalCEL(sc, w.CEL)
			if err != nil {
				p.unresolvable(ni, i, fmt.Errorf("when[%d]: %w", k, err))
				return false
			}
			if !ok {
				p.skip(e, ReasonWhenNotMet, fmt.Sprintf("when[%d]: %s is false", k, w.CEL))
				return false
			}
			continue
		}
		in, err := sc.expand(w.Input, false)
		if err != nil {
			p.unresolvable(ni, i, err)
			return false
		}
		if slices.Contains(w.Values, in) != (w.Operator == ml.WhenOperatorIn) {
			p.skip(e, ReasonWhenNotMet, fmt.Sprintf("when[%d]: %s is %q, not %s [%s]", k, w.Input, in, w.Operator, strings.Join(w.Values, ", ")))
			return false
		}
	}
	return true
}

// evalCEL evaluates a CEL when condition with the run's params and the
// outputs it reads. The compiled program is shared by every plan (see
// validation.CompileWhenCEL), so a condition compiles once, not per sync.
func (p *planner) evalCEL(sc *scope, expr string) (bool, error) {
	c, err := validation.CompileWhenCEL(expr, p.in.WhenCELCostLimit)
	if err != nil {
		return false, fmt.Errorf("cel %q: %w", clip(expr, 128), err)
	}
	outputs := map[string]map[string]string{}
	for _, v := range c.Refs {
		if v.Kind != validation.VariableTaskOutput {
			continue
		}
		value, err := sc.output(v.Task, v.Output)
		if err != nil {
			return false, err // a *refError: skipped or failed as for $(...)
		}
		if outputs[v.Task] == nil {
			outputs[v.Task] = map[string]string{}
		}
		outputs[v.Task][v.Output] = value
	}
	ok, err := c.Eval(context.Background(), sc.params, outputs)
	if err != nil {
		return false, fmt.Errorf("cel %q: %w", clip(expr, 128), err)
	}
	return ok, nil
}
