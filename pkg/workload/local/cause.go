package local

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// Exit codes of a process that could not start, as a shell reports them:
// 127 for a command that is not found, 126 for one that cannot run.
const (
	exitCodeNotFound  int32 = 127
	exitCodeCannotRun int32 = 126
)

// startErrorCode is the exit code the replica reports for a process that
// could not start because of err.
func startErrorCode(err error) *int32 {
	code := exitCodeCannotRun
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		code = exitCodeNotFound
	}
	return &code
}

// lastOutputLine is the last line the replica printed on stderr, where
// errors go, or else on stdout; bounded as workload.Cause bounds a
// message, empty when there is none. The runtime's mutex must not be
// held: it reads the log.
func lastOutputLine(rep *replica) string {
	// Room for a few long lines and their CRI prefixes.
	data, err := rep.log.tail(16 * workload.MaxCauseMessage)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	last := ""
	for i := len(lines) - 1; i >= 0; i-- {
		_, msg, ok := parseCRILine(lines[i])
		if !ok || strings.TrimSpace(msg) == "" {
			continue
		}
		if strings.SplitN(lines[i], " ", 3)[1] == "stderr" {
			return workload.LastLine(msg, workload.MaxCauseMessage)
		}
		if last == "" {
			last = msg
		}
	}
	return workload.LastLine(last, workload.MaxCauseMessage)
}

// wroteTerminationMessage says whether the replica's process wrote a
// termination message of its own (rather than one taken from its log).
func wroteTerminationMessage(rep *replica) bool {
	fi, err := os.Stat(filepath.Join(rep.dir, terminationFile))
	return err == nil && fi.Size() > 0
}
