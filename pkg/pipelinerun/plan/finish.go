package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// finish writes the task list in the order of the spec, drops creations
// canceled in the same plan, and sets the run's phase: ended once every
// task has, else Running once something started, else Pending.
func (p *planner) finish() {
	st := &p.res.Status
	tasks := make([]ml.PipelineTaskStatus, 0, len(p.entries))
	var done, running, started, reused int
	var firstFailed *ml.PipelineTaskStatus // a copy
	for ni := range p.byNode {
		for _, i := range p.byNode[ni] {
			e := p.entries[i]
			tasks = append(tasks, e)
			switch {
			case IsTerminal(e.Phase):
				done++
				if e.Phase == ml.TaskFailed && firstFailed == nil {
					firstFailed = e.DeepCopy()
				}
			case e.Phase == ml.TaskRunning:
				running++
			}
			if len(e.Attempts) > 0 || IsTerminal(e.Phase) {
				started++
			}
			if e.Reason == ReasonReused {
				reused++
			}
		}
	}
	st.Tasks = tasks
	creates := p.res.Create[:0]
	for _, c := range p.res.Create {
		if c.PodName != "" {
			creates = append(creates, c)
		}
	}
	p.res.Create = creates

	total := len(tasks)
	// A retry says in its conditions how much it took from the run it retries.
	var reusedNote string
	if p.run.Spec.RetryOf != nil {
		reusedNote = fmt.Sprintf(", %d of them reused from run %s", reused, p.run.Spec.RetryOf.Name)
	}
	if done == total {
		st.CompletionTime = p.now.DeepCopy()
		p.res.RequeueAfter = 0
		switch {
		case p.stop == stopCanceled:
			st.Phase = ml.PipelineRunCanceled
			p.res.Reason, p.res.Message = RunReasonCanceled, "The run was canceled"
		case p.stop == stopDeadline:
			st.Phase = ml.PipelineRunFailed
			p.res.Reason, p.res.Message = RunReasonDeadlineExceeded, capitalize(p.stopMessage)
		case firstFailed != nil:
			st.Phase = ml.PipelineRunFailed
			p.res.Reason = RunReasonFailed
			p.res.Message = clip(fmt.Sprintf("Task %s failed (%s): %s", firstFailed.Name, firstFailed.Reason, firstFailed.Message), MaxMessageBytes)
		default:
			st.Phase = ml.PipelineRunSucceeded
			p.res.Reason, p.res.Message = RunReasonSucceeded, fmt.Sprintf("All %d tasks succeeded or were skipped", total)+reusedNote
		}
		eventType := corev1.EventTypeNormal
		if st.Phase != ml.PipelineRunSucceeded {
			eventType = corev1.EventTypeWarning
		}
		p.event(eventType, string(st.Phase), "%s", p.res.Message)
		return
	}

	st.Phase = ml.PipelineRunRunning
	if started == 0 && len(p.res.Create) == 0 {
		st.Phase = ml.PipelineRunPending
	}
	summary := fmt.Sprintf("%d running, %d of %d tasks done", running, done, total) + reusedNote
	switch {
	case p.stop != notStopping:
		p.res.Reason, p.res.Message = RunReasonStopping, capitalize(p.stopMessage)+": "+summary
	case p.run.Spec.Suspend:
		p.res.Reason, p.res.Message = RunReasonSuspended, "The run is suspended: "+summary
	case st.Phase == ml.PipelineRunPending:
		p.res.Reason, p.res.Message = RunReasonPending, "Waiting for tasks to start: "+summary
	default:
		p.res.Reason, p.res.Message = RunReasonRunning, capitalize(summary)
	}
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// shorten returns name if it has at most n bytes, else a prefix of it and
// a hash of the whole, n bytes long.
func shorten(name string, n int) string {
	if len(name) <= n {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:])[:10]
	// A DNS label may not start after a "." with the "-" of the suffix.
	return strings.TrimRight(name[:n-len(suffix)], ".-") + suffix
}
