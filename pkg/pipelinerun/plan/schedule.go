package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// schedule moves the pending entries of node ni on, once its dependencies
// have ended (finally tasks are only scheduled once all regular tasks
// have): a forEach task is expanded, then each entry is skipped, served
// from the cache, started, or retried.
func (p *planner) schedule(ni int) {
	nd := &p.g.nodes[ni]
	if (!nd.finally && !p.mayStart()) || p.nodeTerminal(ni) || !p.depsDone(ni) {
		return
	}
	if nd.task.ForEach != nil && !p.expanded[ni] {
		if p.entries[p.byNode[ni][0]].Phase != ml.TaskPending || !p.expand(ni) {
			return
		}
	}
	for _, i := range p.byNode[ni] {
		if !nd.finally && !p.mayStart() {
			return
		}
		p.scheduleEntry(ni, i)
	}
}

// depsDone says whether every task ni depends on has ended.
func (p *planner) depsDone(ni int) bool {
	for _, d := range p.g.nodes[ni].deps {
		if !p.nodeTerminal(d) {
			return false
		}
	}
	return true
}

// scheduleEntry decides on one pending entry of node ni.
func (p *planner) scheduleEntry(ni, i int) {
	nd := &p.g.nodes[ni]
	t := nd.task
	e := &p.entries[i]
	if e.Phase != ml.TaskPending {
		return
	}
	sc := p.scopeFor(ni, e)
	if n := len(e.Attempts); n > 0 {
		last := e.Attempts[n-1]
		if last.CompletionTime != nil {
			at := last.CompletionTime.Add(RetryDelay(t.Retries, n))
			if left := at.Sub(p.now.Time); left > 0 {
				p.requeue(left)
				return
			}
		}
		if p.capacity() <= 0 {
			return
		}
		c, err := p.expandTask(sc, t)
		if err != nil {
			p.unresolvable(ni, i, err)
			return
		}
		p.start(ni, i, n+1, c)
		return
	}

	if !p.whenHolds(ni, i, sc) {
		return
	}
	c, err := p.expandTask(sc, t)
	if err != nil {
		p.unresolvable(ni, i, err)
		return
	}
	if !nd.finally && (t.Cache == nil || *t.Cache) {
		e.CacheKey = p.cacheKey(ni, sc, c)
		if p.fromCache(t, e) {
			return
		}
	}
	if p.capacity() <= 0 {
		return
	}
	p.start(ni, i, 1, c)
}

// cacheEnabled says whether the run may take results from the cache.
func (p *planner) cacheEnabled() bool {
	return p.in.Cache != nil && (p.run.Spec.Cache == nil || *p.run.Spec.Cache)
}

// start starts attempt n of entry i.
func (p *planner) start(ni, i, n int, c container) {
	nd := &p.g.nodes[ni]
	e := &p.entries[i]
	podName := PodName(p.run.Name, e.Name, n)
	startAttempt(e, podName, p.now)
	p.startedNow[i] = len(p.res.Create)
	p.res.Create = append(p.res.Create, Start{
		Name: e.Name, Task: nd.task, Finally: nd.finally, PodName: podName, Attempt: n,
		Index: p.instanceIndex(ni, i), Command: c.Command, Args: c.Args, Env: c.Env,
		Artifacts: p.artifactPlan(nd.task, e),
	})
	p.running++
	if d, ok := p.timeLeft(nd.task, &e.Attempts[n-1]); ok {
		p.requeue(d)
	}
}

// recreateLost ensures the pods of running attempts that the runtime does
// not list: either its cache is behind, and creating is a no-op, or the
// pod was deleted before it ended, and the attempt starts over.
func (p *planner) recreateLost() {
	for _, i := range p.lost {
		e := &p.entries[i]
		if e.Phase != ml.TaskRunning {
			continue
		}
		ni, _ := p.taskOf(e)
		nd := &p.g.nodes[ni]
		c, err := p.scopeFor(ni, e).expandContainer(nd.task.Command, nd.task.Args, nd.task.Env)
		if err != nil {
			continue
		}
		p.res.Create = append(p.res.Create, Start{
			Name: e.Name, Task: nd.task, Finally: nd.finally, PodName: e.Attempts[len(e.Attempts)-1].PodName,
			Attempt: len(e.Attempts), Index: p.instanceIndex(ni, i), Command: c.Command, Args: c.Args, Env: c.Env,
			Artifacts: p.artifactPlan(nd.task, e),
		})
	}
}

// instanceIndex is the forEach index of entry i of node ni, or -1.
func (p *planner) instanceIndex(ni, i int) int {
	if !p.expanded[ni] {
		return -1
	}
	return slices.Index(p.byNode[ni], i)
}

// unresolvable ends entry i, whose variables have no value: skipped when
// an upstream task was skipped (or, for finally tasks, did not succeed),
// failed when an output is missing or the task is invalid.
func (p *planner) unresolvable(ni, i int, err error) {
	e := &p.entries[i]
	var re *refError
	switch {
	case errors.As(err, &re) && re.kind == refSkipped:
		p.skip(e, ReasonUpstreamSkipped, err.Error())
	case errors.As(err, &re) && re.kind == refUnavailable:
		p.skip(e, ReasonOutputsUnavailable, err.Error())
	case errors.As(err, &re):
		p.failTask(e, ReasonMissingOutput, err.Error())
	default:
		p.failTask(e, ReasonInvalidTask, err.Error())
	}
	if e.Phase == ml.TaskFailed && !p.g.nodes[ni].finally && p.stop == notStopping {
		p.stopFailed(e)
	}
}

// scopeFor is what the variables of entry e of node ni resolve to.
func (p *planner) scopeFor(ni int, e *ml.PipelineTaskStatus) *scope {
	sc := &scope{params: p.params, output: p.outputValue}
	if p.expanded[ni] {
		item := e.Item
		sc.item = &item
	}
	if p.g.nodes[ni].finally {
		sc.runStatus = p.runStatus()
	}
	return sc
}

// runStatus is $(run.status): how the regular tasks ended.
func (p *planner) runStatus() string {
	switch {
	case p.run.Spec.Cancel:
		return string(ml.PipelineRunCanceled)
	case p.stop != notStopping:
		return string(ml.PipelineRunFailed)
	}
	return string(ml.PipelineRunSucceeded)
}

// expand replaces the pending placeholder of forEach node ni with one
// entry per item, and reports whether it did. An empty list ends the task
// (NoItems); a list that cannot be read fails or skips it.
func (p *planner) expand(ni int) bool {
	t := p.g.nodes[ni].task
	ph := p.byNode[ni][0]
	items, err := p.items(t)
	if err != nil {
		var re *refError
		if !errors.As(err, &re) {
			err = fmt.Errorf("forEach: %w", err)
			p.failTask(&p.entries[ph], ReasonInvalidForEach, err.Error())
			if !p.g.nodes[ni].finally && p.stop == notStopping {
				p.stopFailed(&p.entries[ph])
			}
			return false
		}
		p.unresolvable(ni, ph, err)
		return false
	}
	e := &p.entries[ph]
	switch {
	case len(items) == 0:
		e.Phase, e.Reason, e.Message = ml.TaskSucceeded, ReasonNoItems, "forEach has no items"
		e.StartTime, e.CompletionTime = p.now.DeepCopy(), p.now.DeepCopy()
		return false
	case len(items) > p.in.maxForEachItems():
		p.failTask(e, ReasonInvalidForEach, fmt.Sprintf("forEach has %d items, more than the limit of %d (the server's --max-foreach)", len(items), p.in.maxForEachItems()))
		if !p.g.nodes[ni].finally && p.stop == notStopping {
			p.stopFailed(e)
		}
		return false
	}
	for k := range items {
		if _, clash := p.g.byName[instanceName(t.Name, k)]; clash {
			p.failTask(e, ReasonInvalidForEach, fmt.Sprintf("instance %s has the name of another task", instanceName(t.Name, k)))
			if !p.g.nodes[ni].finally && p.stop == notStopping {
				p.stopFailed(e)
			}
			return false
		}
	}
	p.byNode[ni] = p.byNode[ni][:0]
	for k, item := range items {
		p.byNode[ni] = append(p.byNode[ni], len(p.entries))
		p.entries = append(p.entries, ml.PipelineTaskStatus{Name: instanceName(t.Name, k), Task: t.Name, Item: item, Phase: ml.TaskPending})
	}
	p.expanded[ni] = true
	return true
}

func instanceName(task string, k int) string {
	return fmt.Sprintf("%s-%d", task, k)
}

// items returns the forEach list of t: its items, or the JSON list its
// from variable resolves to. Strings of the list are items as they are;
// other JSON values are items as JSON text.
func (p *planner) items(t *ml.PipelineTask) ([]string, error) {
	fe := t.ForEach
	if len(fe.Items) > 0 {
		return slices.Clone(fe.Items), nil
	}
	sc := &scope{params: p.params, output: p.outputValue}
	v, err := sc.expand(fe.From, false)
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, fmt.Errorf("%s is %q, not a JSON list", fe.From, clip(v, 64))
	}
	items := make([]string, len(raw))
	for k, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			items[k] = s
		} else {
			items[k] = string(r)
		}
	}
	return items, nil
}

// outputValue is $(tasks.<task>.outputs.<output>): the value the task
// wrote, or for a forEach task the JSON list of its instances' values
// (skipped instances left out).
func (p *planner) outputValue(task, output string) (string, error) {
	ni, ok := p.g.byName[task]
	if !ok {
		return "", &refError{kind: refUnavailable, task: task, output: output}
	}
	if p.expanded[ni] {
		values := make([]string, 0, len(p.byNode[ni]))
		contributed := false
		for _, i := range p.byNode[ni] {
			e := &p.entries[i]
			if e.Phase == ml.TaskSkipped {
				continue
			}
			v, err := entryOutput(e, task, output)
			if err != nil {
				return "", err
			}
			values = append(values, v)
			contributed = true
		}
		if !contributed {
			return "", &refError{kind: refSkipped, task: task, output: output}
		}
		data, _ := json.Marshal(values)
		return string(data), nil
	}
	e := &p.entries[p.byNode[ni][0]]
	if p.g.nodes[ni].task.ForEach != nil && e.Phase == ml.TaskSucceeded && e.Reason == ReasonNoItems {
		return "[]", nil
	}
	return entryOutput(e, task, output)
}

// entryOutput is one entry's output.
func entryOutput(e *ml.PipelineTaskStatus, task, output string) (string, error) {
	switch {
	case e.Phase == ml.TaskSucceeded:
		for _, o := range e.Outputs {
			if o.Name == output {
				return o.Value, nil
			}
		}
		return "", &refError{kind: refMissing, task: task, output: output}
	case e.Phase == ml.TaskSkipped:
		return "", &refError{kind: refSkipped, task: task, output: output}
	}
	return "", &refError{kind: refUnavailable, task: task, output: output}
}
