package workload

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"
)

func TestCause(t *testing.T) {
	long := strings.Repeat("x", MaxCauseMessage+10)
	cases := []struct {
		name string
		r    ReplicaStatus
		want string
	}{
		{name: "nothing", r: ReplicaStatus{}, want: ""},
		{name: "exit code and the last line", r: ReplicaStatus{ExitCode: ptr.To[int32](3), Reason: ReasonError, Message: "epoch 1\nloss=nan\n\n"}, want: "exit code 3: loss=nan"},
		{name: "start error", r: ReplicaStatus{ExitCode: ptr.To[int32](127), Reason: ReasonStartError, Message: `exec: "pyhton3": executable file not found in $PATH`},
			want: `exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`},
		{name: "signal", r: ReplicaStatus{ExitCode: ptr.To[int32](137), Reason: ReasonError, Signal: 9}, want: "exit code 137 (killed by signal SIGKILL)"},
		{name: "unknown signal", r: ReplicaStatus{ExitCode: ptr.To[int32](162), Signal: 34}, want: "exit code 162 (killed by signal 34)"},
		{name: "reason only", r: ReplicaStatus{Reason: "Evicted", Message: "The node was low on memory."}, want: "Evicted: The node was low on memory."},
		{name: "bounded", r: ReplicaStatus{Message: long}, want: long[:MaxCauseMessage] + "..."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Cause(); got != tc.want {
				t.Errorf("Cause() = %q, want %q", got, tc.want)
			}
		})
	}
}
