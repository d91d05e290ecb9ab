package plan

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// failure is an attempt that failed in this plan, decided on (retry or
// fail) once the plan knows whether the run stops.
type failure struct {
	entry           int
	reason, message string
}

// observe brings the running entries up to date with their pods: ended
// attempts are recorded, outputs read, attempts past their timeout
// stopped, and lost pods created again. Failed attempts are then retried
// or fail their task.
func (p *planner) observe() {
	var failures []failure
	for i := range p.entries {
		e := &p.entries[i]
		if e.Phase != ml.TaskRunning || len(e.Attempts) == 0 {
			continue
		}
		ni, ok := p.taskOf(e)
		if !ok {
			continue
		}
		t := p.g.nodes[ni].task
		att := &e.Attempts[len(e.Attempts)-1]
		pod, exists := p.in.Pods[att.PodName]
		switch {
		case exists && pod.Finished():
			if f := p.attemptEnded(i, t, &pod); f != nil {
				failures = append(failures, *f)
			}
			continue
		case p.timedOut(t, att):
			d, _ := t.Timeout.Parse()
			msg := fmt.Sprintf("attempt %d ran longer than the timeout of %s", len(e.Attempts), d)
			if exists && !pod.Terminating {
				p.res.Delete = append(p.res.Delete, Delete{PodName: pod.Name, UID: pod.UID, Why: "the task timed out"})
			}
			p.endAttempt(att, nil, msg)
			p.event(corev1.EventTypeWarning, EventTaskTimedOut, "Task %s: %s", e.Name, msg)
			failures = append(failures, failure{entry: i, reason: ReasonTimedOut, message: msg})
			continue
		case !exists:
			// Either the cache has not seen the pod yet or the pod was
			// deleted before it ended: ensure it (again) unless the run
			// stops, which decideStop and stopTasks handle.
			p.lost = append(p.lost, i)
		}
		waitingForSlot(e, pod, exists)
		p.running++
		if d, ok := p.timeLeft(t, att); ok {
			p.requeue(d)
		}
	}
	for _, f := range failures {
		p.attemptFailed(f)
	}
}

// attemptEnded records the end of the current attempt of entry i from its
// pod. A succeeded attempt's outputs are read; it returns the failure of a
// failed one.
func (p *planner) attemptEnded(i int, t *ml.PipelineTask, pod *workload.ReplicaStatus) *failure {
	e := &p.entries[i]
	att := &e.Attempts[len(e.Attempts)-1]
	e.ExitCode = pod.ExitCode
	if pod.Phase == workload.PhaseFailed {
		reason := pod.Reason
		if reason == "" {
			reason = ReasonError
		}
		// The exit code, the signal, the start error or the last line
		// the task printed: why it failed.
		msg := pod.Cause()
		if msg == "" {
			msg = "the pod failed"
		}
		p.endAttempt(att, pod, msg)
		return &failure{entry: i, reason: reason, message: msg}
	}
	outputs, err := ParseOutputs(pod.TerminationMessage, t.Outputs)
	if err != nil {
		msg := fmt.Sprintf("invalid outputs: %v", err)
		p.endAttempt(att, pod, msg)
		return &failure{entry: i, reason: ReasonInvalidOutputs, message: msg}
	}
	if err := p.recordOutputArtifacts(t, e, pod); err != nil {
		p.endAttempt(att, pod, err.Error())
		return &failure{entry: i, reason: ReasonMissingArtifact, message: err.Error()}
	}
	if size := outputsSize(outputs); p.outputBytes+size > MaxRunOutputBytes {
		msg := fmt.Sprintf("outputs of %d bytes would pass the run's limit of %d bytes of outputs", size, MaxRunOutputBytes)
		p.endAttempt(att, pod, msg)
		return &failure{entry: i, reason: ReasonOutputsTooLarge, message: msg}
	}
	p.endAttempt(att, pod, "")
	p.outputBytes += outputsSize(outputs)
	e.Outputs = outputs
	e.Phase = ml.TaskSucceeded
	e.Reason, e.Message = "", ""
	e.CompletionTime = att.CompletionTime.DeepCopy()
	return nil
}

// endAttempt records the end of an attempt, from its pod when there is one.
func (p *planner) endAttempt(att *ml.TaskAttempt, pod *workload.ReplicaStatus, message string) {
	att.CompletionTime = p.now.DeepCopy()
	if pod != nil {
		att.ExitCode = pod.ExitCode
		if pod.FinishTime != nil && !pod.FinishTime.Before(att.StartTime) {
			att.CompletionTime = pod.FinishTime.DeepCopy()
		}
	}
	att.Message = clip(message, MaxMessageBytes)
}

// attemptFailed retries the task of a failed attempt when its retries
// allow and the run goes on, and fails it otherwise.
func (p *planner) attemptFailed(f failure) {
	e := &p.entries[f.entry]
	ni, _ := p.taskOf(e)
	t := p.g.nodes[ni].task
	att := &e.Attempts[len(e.Attempts)-1]
	e.ExitCode = att.ExitCode
	retries := len(e.Attempts) - 1
	if limit := retryLimit(t.Retries); retries < limit && !p.stopsNow(ni) {
		delay := RetryDelay(t.Retries, retries+1)
		e.Phase = ml.TaskPending
		e.Reason = ReasonRetrying
		e.Message = clip(fmt.Sprintf("attempt %d failed (%s: %s); retry %d of %d after %s", len(e.Attempts), f.reason, f.message, retries+1, limit, delay), MaxMessageBytes)
		p.event(corev1.EventTypeNormal, EventTaskRetrying, "Task %s: %s", e.Name, e.Message)
		return
	}
	p.failTask(e, f.reason, f.message)
}

// failTask ends a task Failed.
func (p *planner) failTask(e *ml.PipelineTaskStatus, reason, message string) {
	e.Phase = ml.TaskFailed
	e.Reason = reason
	e.Message = clip(message, MaxMessageBytes)
	e.CompletionTime = p.now.DeepCopy()
	p.event(corev1.EventTypeWarning, EventTaskFailed, "Task %s failed (%s): %s", e.Name, reason, e.Message)
}

// stopsNow says whether the run stops starting node ni's attempts before
// decideStop ran: a cancel, or the deadline for a regular task.
func (p *planner) stopsNow(ni int) bool {
	if p.run.Spec.Cancel {
		return !p.g.nodes[ni].finally
	}
	return !p.g.nodes[ni].finally && p.deadlinePassed()
}

// timedOut says whether att has run past t's timeout.
func (p *planner) timedOut(t *ml.PipelineTask, att *ml.TaskAttempt) bool {
	left, ok := p.timeLeft(t, att)
	return ok && left <= 0
}

// timeLeft is how long att may still run under t's timeout.
func (p *planner) timeLeft(t *ml.PipelineTask, att *ml.TaskAttempt) (time.Duration, bool) {
	if t.Timeout == "" || att.StartTime == nil {
		return 0, false
	}
	d, err := t.Timeout.Parse()
	if err != nil || d <= 0 {
		return 0, false
	}
	return att.StartTime.Add(d).Sub(p.now.Time), true
}

// deadlinePassed says whether the run has run past activeDeadlineSeconds.
func (p *planner) deadlinePassed() bool {
	left, ok := p.deadlineLeft()
	return ok && left <= 0
}

func (p *planner) deadlineLeft() (time.Duration, bool) {
	ads := p.run.Spec.ActiveDeadlineSeconds
	start := p.res.Status.StartTime
	if ads == nil || start == nil {
		return 0, false
	}
	return start.Add(time.Duration(*ads) * time.Second).Sub(p.now.Time), true
}

// startAttempt appends attempt n (from 1) to e, running as podName.
func startAttempt(e *ml.PipelineTaskStatus, podName string, now metav1.Time) {
	e.Attempts = append(e.Attempts, ml.TaskAttempt{PodName: podName, StartTime: now.DeepCopy()})
	e.PodName = podName
	e.Phase = ml.TaskRunning
	e.Reason, e.Message = "", ""
	e.ExitCode = nil
	if e.StartTime == nil {
		e.StartTime = now.DeepCopy()
	}
}

// waitingForSlot says in a running entry's reason that its pod waits for
// the runtime to run fewer processes (standalone mode's
// --local-max-processes), and clears it once the pod runs.
func waitingForSlot(e *ml.PipelineTaskStatus, pod workload.ReplicaStatus, exists bool) {
	switch {
	case exists && pod.Phase == workload.PhasePending && pod.Reason == workload.ReasonWaitingForProcessSlot:
		e.Reason, e.Message = pod.Reason, clip(pod.Message, MaxMessageBytes)
	case e.Reason == workload.ReasonWaitingForProcessSlot:
		e.Reason, e.Message = "", ""
	}
}
