package plan

import (
	"fmt"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// decideStop finds whether, and why, the run stops starting regular
// tasks: spec.cancel, the deadline, or a regular task that failed for good.
// What made a run stop stays in its tasks' states, so later plans decide
// the same.
func (p *planner) decideStop() {
	switch {
	case p.run.Spec.Cancel:
		p.stop, p.stopMessage = stopCanceled, "the run was canceled"
		return
	case p.deadlinePassed() || p.hasRegular(func(e *ml.PipelineTaskStatus) bool { return e.Reason == ReasonDeadlineExceeded }):
		p.stop = stopDeadline
		p.stopMessage = "the run passed its deadline"
		if ads := p.run.Spec.ActiveDeadlineSeconds; ads != nil {
			p.stopMessage = fmt.Sprintf("the run passed its activeDeadlineSeconds of %d", *ads)
		}
		return
	}
	if left, ok := p.deadlineLeft(); ok {
		p.requeue(left)
	}
	for ni := 0; ni < p.g.regular; ni++ {
		for _, i := range p.byNode[ni] {
			if e := &p.entries[i]; e.Phase == ml.TaskFailed {
				p.stopFailed(e)
				return
			}
		}
	}
}

// stopFailed makes the run stop because task e failed.
func (p *planner) stopFailed(e *ml.PipelineTaskStatus) {
	p.stop = stopFailed
	p.stopMessage = fmt.Sprintf("task %s failed", e.Name)
	if e.Reason != "" {
		p.stopMessage += " (" + e.Reason + ")"
	}
}

// hasRegular says whether a regular task's entry satisfies f.
func (p *planner) hasRegular(f func(*ml.PipelineTaskStatus) bool) bool {
	for ni := 0; ni < p.g.regular; ni++ {
		for _, i := range p.byNode[ni] {
			if f(&p.entries[i]) {
				return true
			}
		}
	}
	return false
}

// stopTasks applies a stop to the regular tasks that have not ended:
// those not started are Skipped, those waiting for a retry Failed, and
// running ones canceled (their pods deleted) when the run was canceled,
// passed its deadline, or failed with failFast. Running ones otherwise
// finish. Finally tasks are left alone.
func (p *planner) stopTasks() {
	if p.stop == notStopping {
		return
	}
	skipReason, cancelReason := ReasonRunFailed, ""
	switch p.stop {
	case stopCanceled:
		skipReason, cancelReason = ReasonRunCanceled, ReasonRunCanceled
	case stopDeadline:
		skipReason, cancelReason = ReasonDeadlineExceeded, ReasonDeadlineExceeded
	case stopFailed:
		if p.run.Spec.FailFast {
			cancelReason = ReasonFailFast
		}
	}
	for ni := 0; ni < p.g.regular; ni++ {
		for _, i := range p.byNode[ni] {
			e := &p.entries[i]
			switch {
			case IsTerminal(e.Phase):
			case e.Phase == ml.TaskRunning && len(e.Attempts) > 0:
				if cancelReason != "" {
					p.cancelAttempt(i, cancelReason)
				}
			case len(e.Attempts) > 0:
				att := e.Attempts[len(e.Attempts)-1]
				p.failTask(e, ReasonRetriesStopped, fmt.Sprintf("attempt %d failed: %s; not retried: %s", len(e.Attempts), att.Message, p.stopMessage))
			default:
				p.skip(e, skipReason, "not started: "+p.stopMessage)
			}
		}
	}
}

// cancelAttempt stops the running attempt of entry i: its pod is deleted
// and the task ends Canceled.
func (p *planner) cancelAttempt(i int, reason string) {
	e := &p.entries[i]
	att := &e.Attempts[len(e.Attempts)-1]
	why := "the run was canceled"
	switch reason {
	case ReasonDeadlineExceeded:
		why = "the run passed its deadline"
	case ReasonFailFast:
		why = "another task failed and the run has failFast"
	}
	if k, ok := p.startedNow[i]; ok {
		// Started in this very plan: never create it.
		p.res.Create[k].PodName = ""
	} else if pod, ok := p.in.Pods[att.PodName]; ok {
		if !pod.Terminating && !pod.Finished() {
			p.res.Delete = append(p.res.Delete, Delete{PodName: pod.Name, UID: pod.UID, Why: why})
		}
	} else {
		// Not in the cache (yet): delete it by name in case it exists.
		p.res.Delete = append(p.res.Delete, Delete{PodName: att.PodName, Why: why})
	}
	p.endAttempt(att, nil, "canceled: "+why)
	e.Phase = ml.TaskCanceled
	e.Reason = reason
	e.Message = "canceled: " + why
	e.CompletionTime = p.now.DeepCopy()
	p.running--
	p.countRunning(i, -1)
}

// skip ends a task that never started as Skipped.
func (p *planner) skip(e *ml.PipelineTaskStatus, reason, message string) {
	e.Phase = ml.TaskSkipped
	e.Reason = reason
	e.Message = clip(message, MaxMessageBytes)
	e.CompletionTime = p.now.DeepCopy()
}
