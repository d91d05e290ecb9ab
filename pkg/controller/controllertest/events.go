package controllertest

import (
	"strings"

	"k8s.io/client-go/tools/record"
)

// DrainEvents returns the events recorder holds, each as "Type Reason
// Message", and leaves it empty.
func DrainEvents(recorder *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// EventReasons drains recorder, like DrainEvents, and returns the reasons
// of the events.
func EventReasons(recorder *record.FakeRecorder) []string {
	var out []string
	for _, e := range DrainEvents(recorder) {
		if parts := strings.SplitN(e, " ", 3); len(parts) > 1 {
			out = append(out, parts[1])
		}
	}
	return out
}
