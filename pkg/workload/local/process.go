package local

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// replica is one host process and what is known of it. Its status is
// guarded by the runtime's mutex.
type replica struct {
	owner    workload.Owner
	name     string
	uid      string
	template corev1.PodTemplateSpec
	dir      string
	// port is the free port the replica gets in PORT (replicas of served
	// sets), 0 for none.
	port int
	// workDir is the process's working directory and HOME: the replica's
	// own, or the first volume it mounts.
	workDir string
	// env is the environment of its processes (exec probes included).
	env []string
	// pulled are the host directories of its pulls, which it may read.
	pulled []string

	status workload.ReplicaStatus
	// log are the replica's log files, once it ran; runOffsets are the
	// offsets in its log where each run of the process began (both
	// guarded by the runtime's mutex).
	log        *logFiles
	runOffsets []int64

	// pmu guards pgid and stopping. pgid is the process group of the
	// running process (0 between runs); once stopping, no process starts.
	pmu      sync.Mutex
	pgid     int
	stopping bool
	// stopped is closed when stopping starts; done once the replica's last
	// process ended (or none could start).
	stopped, done chan struct{}
	// slots are the process slots the replica holds while it runs
	// (processSlots.weight of its processes, or its share of its gang's);
	// gang is the gang it starts with, if any, and procs its processes.
	slots int
	gang  *gang
	procs int
}

// Files of a replica's directory.
const (
	logFile         = "log"
	terminationFile = "termination-log"
	pidFile         = "pid"
	workDirName     = "work"
)

// LogPath is the log file of the replica directory dir.
func LogPath(dir string) string { return filepath.Join(dir, logFile) }

// command is a replica's process, ready to start.
type command struct {
	path string
	argv []string
	env  []string
	main *corev1.Container
}

// start prepares the replica's command and supervises it: it runs until
// it ends, and runs again as the template's restart policy says.
func (r *Runtime) start(rep *replica, serviceHosts []localService) {
	c, reason, err := r.prepare(rep, serviceHosts)
	if err != nil {
		r.failStart(rep, reason, err)
		return
	}
	procs := procsPerReplica(c.env)
	slot := r.queueForSlot(rep, procs)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if !r.waitForSlot(rep, slot) {
			close(rep.done)
			r.notify(rep.owner)
			return
		}
		defer r.slots.release(rep.slots)
		if err := r.pull(rep); err != nil {
			r.failBeforeStart(rep, workload.ReasonPullError, err)
			return
		}
		if err := r.pullArtifacts(r.replicaContext(rep), rep); err != nil {
			r.failBeforeStart(rep, ReasonArtifactPullFailed, err)
			return
		}
		r.supervise(rep, c)
	}()
}

// failStart ends a replica whose process cannot start.
func (r *Runtime) failStart(rep *replica, reason string, err error) {
	r.mu.Lock()
	rep.status.Phase = workload.PhaseFailed
	rep.status.Reason = reason
	rep.status.Message = err.Error()
	if reason == workload.ReasonStartError {
		rep.status.ExitCode = startErrorCode(err)
	}
	rep.status.FinishTime = r.now()
	r.mu.Unlock()
	close(rep.done)
}

// prepare builds the replica's command: argv with $(VAR) expanded, the
// environment, its directories.
func (r *Runtime) prepare(rep *replica, serviceHosts []localService) (*command, string, error) {
	c, err := mainContainer(&rep.template)
	if err != nil {
		return nil, "CreateContainerConfigError", err
	}
	if len(c.Command) == 0 {
		return nil, "CreateContainerConfigError", fmt.Errorf("container %q has no command: the local runtime ignores images, so it runs only the command and args", c.Name)
	}
	if rep.workDir == "" {
		rep.workDir = filepath.Join(rep.dir, workDirName)
	}
	for _, d := range []string{rep.dir, rep.workDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, "CreateContainerError", err
		}
	}
	credentials := ""
	if r.ownerEnv != nil {
		dir, err := r.credentialsDir(rep.owner.UID)
		if err != nil {
			return nil, "CreateContainerConfigError", err
		}
		credentials = dir
		extra, err := r.ownerEnv(rep.owner, dir)
		if err != nil {
			return nil, "CreateContainerConfigError", err
		}
		c = c.DeepCopy()
		c.Env = workload.MergeEnv(c.Env, extra)
	}
	artifactEnv, hasArtifacts, err := r.artifactEnv(rep)
	if err != nil {
		return nil, "CreateContainerConfigError", err
	}
	if hasArtifacts {
		c = c.DeepCopy()
		c.Env = workload.MergeEnv(c.Env, artifactEnv)
	}
	env, err := environment(rep, c, serviceHosts)
	if err != nil {
		return nil, "CreateContainerConfigError", err
	}
	downward, err := downwardVolumes(rep, c, serviceHosts)
	if err != nil {
		return nil, "CreateContainerConfigError", err
	}
	pulled := pullDirs(rep)
	env = withPulledPaths(env, pulled)
	// A path below a downward API volume's mount path (an MPI launcher's
	// ML_HOSTFILE) is where its files are here.
	env = withPulledPaths(env, downward)
	rep.pulled = rep.pulled[:0]
	for _, dir := range pulled {
		rep.pulled = append(rep.pulled, dir)
	}
	for _, dir := range downward {
		rep.pulled = append(rep.pulled, dir)
	}
	if env, err = r.prepareConfined(rep, env, credentials); err != nil {
		return nil, "CreateContainerError", err
	}
	rep.env = env
	lookup := func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	var argv []string
	for _, a := range append(append([]string(nil), c.Command...), c.Args...) {
		argv = append(argv, expand(a, lookup))
	}
	path, err := lookPath(argv[0], env)
	if err != nil {
		return nil, workload.ReasonStartError, err
	}
	return &command{path: path, argv: argv, env: env, main: c}, "", nil
}

// Restart back-off of replicas that restart in place: doubling from the
// first to the last, as the kubelet's (10s to 5m), shorter for a laptop.
const (
	firstBackoff = time.Second
	maxBackoff   = 30 * time.Second
)

// supervise runs the replica's command until it must not run again.
func (r *Runtime) supervise(rep *replica, c *command) {
	defer close(rep.done)
	backoff := firstBackoff
	for {
		code, signal, started, err := r.runOnce(rep, c)
		if !started {
			r.mu.Lock()
			if err != nil {
				rep.status.Phase = workload.PhaseFailed
				rep.status.Reason = workload.ReasonStartError
				rep.status.Message = err.Error()
				rep.status.ExitCode = startErrorCode(err)
			}
			rep.status.Ready = false
			rep.status.FinishTime = r.now()
			r.mu.Unlock()
			r.notify(rep.owner)
			return
		}
		msg := terminationMessage(rep, c.main, code)
		// What a user reads first: the message the process wrote to its
		// termination file, else the last line it printed.
		cause := msg
		reason := workload.ReasonCompleted
		if code != 0 {
			reason = workload.ReasonError
			if !wroteTerminationMessage(rep) {
				cause = lastOutputLine(rep)
			}
		}
		rep.pmu.Lock()
		stopping := rep.stopping
		rep.pmu.Unlock()
		policy := rep.template.Spec.RestartPolicy
		restart := !stopping && (policy == corev1.RestartPolicyAlways || policy == corev1.RestartPolicyOnFailure && code != 0)
		var artifacts []workload.ArtifactResult
		if code == 0 && !restart && !stopping {
			var err error
			if artifacts, err = r.pushArtifacts(r.replicaContext(rep), rep); err != nil {
				r.failAfterRun(rep, code, msg, err)
				return
			}
		}
		r.mu.Lock()
		rep.status.Artifacts = artifacts
		rep.status.ExitCode = &code
		rep.status.Signal = signal
		rep.status.Reason = reason
		rep.status.TerminationMessage = msg
		rep.status.Message = cause
		rep.status.Ready = false
		if !restart {
			rep.status.FinishTime = r.now()
			if code == 0 {
				rep.status.Phase = workload.PhaseSucceeded
			} else {
				rep.status.Phase = workload.PhaseFailed
			}
		} else {
			last := workload.ReplicaStatus{ExitCode: &code, Signal: signal, Reason: reason, Message: cause}
			rep.status.Reason = workload.ReasonCrashLoopBackOff
			rep.status.Message = fmt.Sprintf("back-off %s restarting failed process; last %s", backoff, last.Cause())
		}
		r.mu.Unlock()
		r.notify(rep.owner)
		if !restart {
			return
		}
		select {
		case <-rep.stopped:
			r.mu.Lock()
			rep.status.FinishTime = r.now()
			r.mu.Unlock()
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
		r.mu.Lock()
		rep.status.Restarts++
		r.mu.Unlock()
	}
}

// runOnce runs the command once and returns its exit code, and the
// signal that ended it (0 if none). started is false when the replica is
// stopping (or the process could not start: err says why).
func (r *Runtime) runOnce(rep *replica, c *command) (code, signal int32, started bool, err error) {
	logf, err := r.openLog(rep)
	if err != nil {
		return 0, 0, false, err
	}
	defer logf.Close()
	out := &criWriter{file: logf}
	// The replica writes into pipes whose read ends the runtime copies to
	// the log, so that waiting for the process does not wait for children
	// that keep its output open.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return 0, 0, false, err
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		_ = stdoutR.Close()
		_ = stdoutW.Close()
		return 0, 0, false, err
	}
	var copying sync.WaitGroup
	defer copying.Wait()
	for _, p := range []struct {
		name string
		r    *os.File
	}{{"stdout", stdoutR}, {"stderr", stderrR}} {
		copying.Add(1)
		go func() {
			defer copying.Done()
			out.copyLines(p.name, p.r)
			_ = p.r.Close()
		}()
	}
	cmd, start, err := r.processCmd(rep, c.path, c.argv, c.env, rep.workDir, true)
	if err != nil {
		_ = stdoutW.Close()
		_ = stderrW.Close()
		return 0, 0, false, err
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	rep.pmu.Lock()
	if rep.stopping {
		rep.pmu.Unlock()
		_ = stdoutW.Close()
		_ = stderrW.Close()
		closeStart(cmd, start)
		return 0, 0, false, nil
	}
	err = cmd.Start()
	_ = stdoutW.Close()
	_ = stderrW.Close()
	if err != nil {
		rep.pmu.Unlock()
		closeStart(cmd, start)
		return 0, 0, false, err
	}
	pgid := cmd.Process.Pid
	rep.pgid = pgid
	rep.pmu.Unlock()
	// Recorded before any of the command runs: a confined process waits
	// for the start byte, and a crash before it is sent ends it unrun.
	if err := writePIDFile(rep.dir, pgid); err != nil {
		klog.ErrorS(err, "Record the process of a replica", "replica", rep.name)
	}
	if start != nil {
		_, _ = start.Write([]byte{1})
		closeStart(cmd, start)
	}
	r.mu.Lock()
	rep.status.Phase = workload.PhaseRunning
	rep.status.Reason, rep.status.Message = "", ""
	rep.status.ExitCode, rep.status.Signal = nil, 0
	rep.status.Ready = readinessProbe(c.main) == nil
	if rep.status.StartTime == nil {
		rep.status.StartTime = r.now()
	}
	r.mu.Unlock()
	r.notify(rep.owner)

	probing := make(chan struct{})
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		r.probe(rep, c.main, probing)
	}()
	waitErr := cmd.Wait()
	close(probing)
	<-probed
	// Like a container's cgroup: nothing of the replica outlives its main
	// process.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	rep.pmu.Lock()
	rep.pgid = 0
	rep.pmu.Unlock()
	_ = os.Remove(filepath.Join(rep.dir, pidFile))
	code = int32(cmd.ProcessState.ExitCode())
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			signal = int32(ws.Signal())
			code = 128 + signal
		}
	}
	return code, signal, true, nil
}

// closeStart closes the runtime's ends of a start pipe.
func closeStart(cmd *exec.Cmd, start *os.File) {
	if start == nil {
		return
	}
	_ = start.Close()
	for _, f := range cmd.ExtraFiles {
		_ = f.Close()
	}
}

// stop sends SIGTERM to the replica's process group, and SIGKILL once
// grace has passed, and waits until the replica's process ended. No
// process of the replica starts after it.
func (rep *replica) stop(grace time.Duration) {
	rep.pmu.Lock()
	if !rep.stopping {
		rep.stopping = true
		close(rep.stopped)
	}
	pgid := rep.pgid
	rep.pmu.Unlock()
	if pgid != 0 {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-rep.done:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	<-rep.done
}
