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
// unknown flag when it parses its flags and exits, instead of doing its
// work (serving a second time, or a test binary running its tests again).
const notLauncherFlag = "--ml-local-launch-probe"

// probeTimeout bounds a probe of a binary that neither answers nor exits.
const probeTimeout = 30 * time.Second

// probeOutputMax bounds what is kept of a probe's output.
const probeOutputMax = 64 << 10

// checks holds the result of every probe that got an answer: a binary is
// probed once. Probes run one at a time, so that processes starting at
// once do not all probe.
var checks struct {
	sync.Mutex
	done map[string]error
}

// Check makes sure that the binary at path runs as the launcher when
// started with SpecEnv set: it starts it as a probe and expects the
// launcher's answer. The answer, right or wrong, is kept: the binary is
// not probed again. A probe that could not start or got no answer is
// tried again on the next call.
func Check(path string) error {
	checks.Lock()
	defer checks.Unlock()
	if err, ok := checks.done[path]; ok {
		return err
	}
	answered, err := probe(path)
	if answered {
		if checks.done == nil {
			checks.done = map[string]error{}
		}
		checks.done[path] = err
	}
	return err
}

// probe starts path as a launcher probe; answered says whether it ran and
// exited within probeTimeout.
func probe(path string) (answered bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, notLauncherFlag)
	cmd.Args[0] = "ml-apiserver-local-launch"
	cmd.Env = append(os.Environ(), SpecEnv+`={"probe":true}`)
	stdout, stderr := &cappedBuffer{max: probeOutputMax}, &cappedBuffer{max: probeOutputMax}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if err == nil && strings.TrimSpace(stdout.String()) == probeReply {
		return true, nil
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return false, fmt.Errorf("local launcher %s: no answer to the launcher's probe within %s", path, probeTimeout)
	case err == nil:
		err = errors.New("exit code 0")
	case !errors.As(err, &ee):
		return false, fmt.Errorf("local launcher %s: %w", path, err)
	}
	return true, fmt.Errorf("local launcher %s does not run as the launcher (a binary used as the launcher calls launcher.RunIfLauncher first thing in main): probed, it ended with %v: %s",
		path, err, probeOutput(stderr.String(), stdout.String()))
}

// cappedBuffer keeps the first max bytes written to it and drops the rest.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
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
