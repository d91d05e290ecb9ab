package workload

import (
	"fmt"
	"strings"
	"syscall"
)

// MaxCauseMessage bounds the message that Cause quotes, in bytes: a
// condition message must stay readable in `kubectl describe`.
const MaxCauseMessage = 256

// Reasons a runtime gives a replica that never ran its command, or ran
// it and ended.
const (
	// ReasonStartError: the command could not be started (not found, not
	// executable, its working directory missing).
	ReasonStartError = "StartError"
	// ReasonError: the command exited non-zero.
	ReasonError = "Error"
	// ReasonCompleted: the command exited zero.
	ReasonCompleted = "Completed"
	// ReasonCrashLoopBackOff: the command exited and is started again
	// after a back-off.
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	// ReasonUnschedulable: the scheduler finds no node for the pod.
	ReasonUnschedulable = "Unschedulable"
)

// Cause says in one line why the replica failed or does not run: the exit
// code, the signal, a reason other than the generic Error, and the last
// line of the message (bounded by MaxCauseMessage). For example
// `exit code 127 (StartError): exec: "pyhton3": executable file not found
// in $PATH`, `exit code 137 (OOMKilled)`, `ImagePullBackOff: Back-off
// pulling image "nope"`. It is empty when there is nothing to say.
func (r *ReplicaStatus) Cause() string {
	var head []string
	if r.ExitCode != nil {
		head = append(head, fmt.Sprintf("exit code %d", *r.ExitCode))
	}
	var notes []string
	if r.Reason != "" && r.Reason != ReasonError && r.Reason != ReasonCompleted {
		notes = append(notes, r.Reason)
	}
	if r.Signal != 0 {
		notes = append(notes, "killed by signal "+SignalName(r.Signal))
	}
	text := strings.Join(head, "")
	switch {
	case text != "" && len(notes) > 0:
		text += " (" + strings.Join(notes, ", ") + ")"
	case len(notes) > 0:
		text = strings.Join(notes, ", ")
	}
	if msg := LastLine(r.Message, MaxCauseMessage); msg != "" {
		if text == "" {
			return msg
		}
		text += ": " + msg
	}
	return text
}

// signalNames are the signals that usually end a process.
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
}

// SignalName is the name of signal number sig, such as SIGKILL, or the
// number for a signal without a usual name.
func SignalName(sig int32) string {
	if name, ok := signalNames[syscall.Signal(sig)]; ok {
		return name
	}
	return fmt.Sprintf("%d", sig)
}

// LastLine is the last non-empty line of s, trimmed, cut to at most max
// bytes (keeping valid UTF-8 and marking the cut with "...").
func LastLine(s string, max int) string {
	lines := strings.Split(strings.TrimRight(s, "\r\n\t "), "\n")
	line := ""
	for i := len(lines) - 1; i >= 0; i-- {
		if line = strings.TrimSpace(lines[i]); line != "" {
			break
		}
	}
	if len(line) > max {
		line = strings.ToValidUTF8(line[:max], "") + "..."
	}
	return line
}
