package local

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// A process that cannot start, exits non-zero or is killed says why in
// its status: the start error, the exit code and its last line of output,
// the signal.
func TestReplicaFailureCauses(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("job", "1")
	ctx := context.Background()

	typo := shReplica("typo", "")
	typo.Template.Spec.Containers[0].Command = []string{"pyhton3", "train.py"}
	lastLine := shReplica("last-line", "echo 'loss is nan, giving up' >&2; sleep 0.1; echo 'epoch 1'; exit 3")
	// The tail of the log is its termination message; the cause is still
	// the last line of stderr.
	lastLine.Template.Spec.Containers[0].TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	killed := shReplica("killed", "echo started; kill -9 $$$$")
	restarting := shReplica("restarting", "echo 'cannot bind port'; exit 4")
	restarting.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	for _, spec := range []workload.ReplicaSpec{typo, lastLine, killed, restarting} {
		if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		name      string
		cond      func(workload.ReplicaStatus) bool
		wantCause string
	}{
		{name: "typo", cond: finished, wantCause: `exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`},
		{name: "last-line", cond: finished, wantCause: "exit code 3: loss is nan, giving up"},
		{name: "killed", cond: finished, wantCause: "exit code 137 (killed by signal SIGKILL): started"},
		{
			name:      "restarting",
			cond:      func(s workload.ReplicaStatus) bool { return s.Reason == workload.ReasonCrashLoopBackOff },
			wantCause: "last exit code 4: cannot bind port",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := waitFor(t, r, o, tc.name, tc.cond)
			if got := s.Cause(); !strings.Contains(got, tc.wantCause) {
				t.Errorf("cause %q, want it to contain %q (status %+v)", got, tc.wantCause, s)
			}
		})
	}
	if s := waitFor(t, r, o, "last-line", finished); s.TerminationMessage != "loss is nan, giving up\nepoch 1" {
		t.Errorf("termination message %q: want the tail of the log", s.TerminationMessage)
	}
	if s := waitFor(t, r, o, "killed", finished); s.TerminationMessage != "" {
		t.Errorf("termination message %q: the last line is no termination message without FallbackToLogsOnError", s.TerminationMessage)
	}
}
