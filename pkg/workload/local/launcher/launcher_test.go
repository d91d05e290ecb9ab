package launcher

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// launch starts the test binary as the launcher of a command that creates
// a file, waiting on the start pipe; start says whether the runtime's side
// sends the start byte or closes the pipe empty (it died).
func launch(t *testing.T, start bool) (code int, ran bool) {
	t.Helper()
	// A test binary that is not the launcher would run its tests again.
	if err := Check("/proc/self/exe"); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	spec, err := json.Marshal(Spec{Path: "/bin/sh", Args: []string{"sh", "-c", "touch " + marker}, WaitStart: true})
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), SpecEnv+"="+string(spec))
	cmd.ExtraFiles = []*os.File{r}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	if start {
		if _, err := w.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	_ = w.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	_, statErr := os.Stat(marker)
	return cmd.ProcessState.ExitCode(), statErr == nil
}

// A launcher whose runtime died before recording it runs nothing.
func TestStartPipe(t *testing.T) {
	if code, ran := launch(t, false); ran || code != exitNotStarted {
		t.Errorf("without the start byte: exit code %d, ran %v; want %d and nothing run", code, ran, exitNotStarted)
	}
	if code, ran := launch(t, true); !ran || code != 0 {
		t.Errorf("with the start byte: exit code %d, ran %v; want 0 and the command run", code, ran)
	}
}
