package plan

import (
	"fmt"
	"slices"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// cacheKey is the cache key of an entry of node ni, whose variables
// resolve in sc and whose container after substitution is c.
func (p *planner) cacheKey(ni int, sc *scope, c container) string {
	nd := &p.g.nodes[ni]
	deps := make([]string, 0, len(nd.deps))
	for _, d := range nd.deps {
		deps = append(deps, p.g.nodes[d].task.Name)
	}
	return CacheKey(keyInput{Task: nd.task, Container: c, Deps: deps, Reads: p.artifactReads(nd.task, sc.reads(nd.task))})
}

// reads returns the variables t reads in its command, args, env and when
// expressions (CEL conditions included), with their values. A variable without a value is left out:
// the task could not have been resolved with it.
func (sc *scope) reads(t *ml.PipelineTask) map[string]string {
	reads := map[string]string{}
	add := func(s string) {
		for _, v := range validation.ParseVariables(s) {
			if _, done := reads[v.Text]; done {
				continue
			}
			if value, err := sc.expand(v.Text, false); err == nil {
				reads[v.Text] = value
			}
		}
	}
	for _, s := range t.Command {
		add(s)
	}
	for _, s := range t.Args {
		add(s)
	}
	for _, e := range t.Env {
		add(e.Value)
	}
	for _, w := range t.When {
		add(w.Input)
		for _, v := range validation.WhenCELRefs(w.CEL) {
			if v.Kind == validation.VariableParam {
				add("$(params." + v.Name + ")")
			} else {
				add("$(tasks." + v.Task + ".outputs." + v.Output + ")")
			}
		}
	}
	return reads
}

// fromCache serves entry e from the cache, and says whether it did: a
// Succeeded task with e's cache key that wrote every output e declares
// gives e those outputs (and no others); e then reads as Succeeded with
// reason Cached.
func (p *planner) fromCache(t *ml.PipelineTask, e *ml.PipelineTaskStatus) bool {
	if !p.cacheEnabled() {
		return false
	}
	hit, ok := p.in.Cache.Lookup(e.CacheKey)
	if !ok {
		return false
	}
	outputs, ok := declaredOutputs(t, hit.Outputs)
	if !ok || p.outputBytes+outputsSize(outputs) > MaxRunOutputBytes || !cachedArtifacts(t, e, hit.Artifacts) {
		return false
	}
	e.Phase = ml.TaskSucceeded
	e.Reason = ReasonCached
	e.Message = clip(fmt.Sprintf("outputs of task %s of PipelineRun %s", hit.Task, hit.Run), MaxMessageBytes)
	e.Outputs = outputs
	e.StartTime = p.now.DeepCopy()
	e.CompletionTime = p.now.DeepCopy()
	p.outputBytes += outputsSize(outputs)
	return true
}

// declaredOutputs returns the outputs t declares, taken from cached, in
// the order of the declaration; false when cached lacks one of them.
func declaredOutputs(t *ml.PipelineTask, cached []ml.Param) ([]ml.Param, bool) {
	var outputs []ml.Param
	for _, o := range t.Outputs {
		k := slices.IndexFunc(cached, func(c ml.Param) bool { return c.Name == o.Name })
		if k < 0 {
			return nil, false
		}
		outputs = append(outputs, cached[k])
	}
	return outputs, true
}
