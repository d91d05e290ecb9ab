package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// probeReply is what a launcher prints to a probe.
const probeReply = "ml-apiserver-local-launch: ready"

// notLauncherFlag is the one argument of a probe. A launcher never looks
// at it; a Go binary that does not call RunIfLauncher refuses it as an
// unknown flag and exits at once, instead of running as itself (a second
// server, or a test binary running its tests again).
const notLauncherFlag = "--ml-local-launch-probe"

// probeTimeout bounds a probe of a binary that neither answers nor exits.
const probeTimeout = 30 * time.Second

// checked holds the paths that answered a probe.
var checked sync.Map

// Check makes sure that the binary at path runs as the launcher when
// started with SpecEnv set: it starts it once as a probe and expects the
// launcher's answer. A binary that passed is not probed again.
func Check(path string) error {
	if _, ok := checked.Load(path); ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, notLauncherFlag)
	cmd.Args[0] = "ml-apiserver-local-launch"
	cmd.Env = append(os.Environ(), SpecEnv+`={"probe":true}`)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil && strings.TrimSpace(stdout.String()) == probeReply {
		checked.Store(path, true)
		return nil
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("no answer within %s", probeTimeout)
	case err == nil:
		err = errors.New("exit code 0")
	case !errors.As(err, &ee):
		return fmt.Errorf("local launcher %s: %w", path, err)
	}
	return fmt.Errorf("local launcher %s does not run as the launcher (a binary used as the launcher calls launcher.RunIfLauncher first thing in main): probed, it ended with %v: %s",
		path, err, probeOutput(stderr.String(), stdout.String()))
}

// probeOutput is the line of output that says why a probe failed: the
// one that names the probe's flag (the binary refused it), else the last.
func probeOutput(outputs ...string) string {
	var last string
	for _, out := range outputs {
		for line := range strings.Lines(out) {
			l := strings.TrimSpace(line)
			if strings.Contains(l, strings.TrimLeft(notLauncherFlag, "-")) {
				return fmt.Sprintf("%q", l)
			}
			if l != "" {
				last = l
			}
		}
	}
	if last == "" {
		return "no output"
	}
	return fmt.Sprintf("%q", last)
}
