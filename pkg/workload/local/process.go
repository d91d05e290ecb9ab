package local

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

	status workload.ReplicaStatus
	// runOffsets are the offsets in the log file where each run of the
	// process began (guarded by the runtime's mutex).
	runOffsets []int64

	// pmu guards pgid and stopping. pgid is the process group of the
	// running process (0 between runs); once stopping, no process starts.
	pmu      sync.Mutex
	pgid     int
	stopping bool
	// stopped is closed when stopping starts; done once the replica's last
	// process ended (or none could start).
	stopped, done chan struct{}
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
		r.mu.Lock()
		rep.status.Phase = workload.PhaseFailed
		rep.status.Reason = reason
		rep.status.Message = err.Error()
		rep.status.FinishTime = r.now()
		r.mu.Unlock()
		close(rep.done)
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.supervise(rep, c)
	}()
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
	if r.ownerEnv != nil {
		extra, err := r.ownerEnv(rep.owner)
		if err != nil {
			return nil, "CreateContainerConfigError", err
		}
		c = c.DeepCopy()
		c.Env = workload.MergeEnv(c.Env, extra)
	}
	env, err := environment(rep, c, serviceHosts)
	if err != nil {
		return nil, "CreateContainerConfigError", err
	}
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
		return nil, "StartError", err
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
		code, started, err := r.runOnce(rep, c)
		if !started {
			r.mu.Lock()
			if err != nil {
				rep.status.Phase = workload.PhaseFailed
				rep.status.Reason = "StartError"
				rep.status.Message = err.Error()
			}
			rep.status.Ready = false
			rep.status.FinishTime = r.now()
			r.mu.Unlock()
			r.notify(rep.owner)
			return
		}
		msg := terminationMessage(rep, c.main, code)
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		rep.pmu.Lock()
		stopping := rep.stopping
		rep.pmu.Unlock()
		policy := rep.template.Spec.RestartPolicy
		restart := !stopping && (policy == corev1.RestartPolicyAlways || policy == corev1.RestartPolicyOnFailure && code != 0)
		r.mu.Lock()
		rep.status.ExitCode = &code
		rep.status.Reason = reason
		rep.status.TerminationMessage = msg
		rep.status.Message = msg
		rep.status.Ready = false
		if !restart {
			rep.status.FinishTime = r.now()
			if code == 0 {
				rep.status.Phase = workload.PhaseSucceeded
			} else {
				rep.status.Phase = workload.PhaseFailed
			}
		} else {
			rep.status.Reason = "CrashLoopBackOff"
			rep.status.Message = fmt.Sprintf("exited with code %d; restarting in %s", code, backoff)
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

// runOnce runs the command once and returns its exit code. started is
// false when the replica is stopping (or the process could not start:
// err says why).
func (r *Runtime) runOnce(rep *replica, c *command) (code int32, started bool, err error) {
	logf, err := os.OpenFile(LogPath(rep.dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, false, err
	}
	defer logf.Close()
	if fi, err := logf.Stat(); err == nil {
		r.mu.Lock()
		rep.runOffsets = append(rep.runOffsets, fi.Size())
		r.mu.Unlock()
	}
	out := &criWriter{file: logf}
	// The replica writes into pipes whose read ends the runtime copies to
	// the log, so that waiting for the process does not wait for children
	// that keep its output open.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return 0, false, err
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		_ = stdoutR.Close()
		_ = stdoutW.Close()
		return 0, false, err
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
	cmd := &exec.Cmd{
		Path:        c.path,
		Args:        c.argv,
		Env:         c.env,
		Dir:         rep.workDir,
		Stdout:      stdoutW,
		Stderr:      stderrW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	rep.pmu.Lock()
	if rep.stopping {
		rep.pmu.Unlock()
		_ = stdoutW.Close()
		_ = stderrW.Close()
		return 0, false, nil
	}
	err = cmd.Start()
	_ = stdoutW.Close()
	_ = stderrW.Close()
	if err != nil {
		rep.pmu.Unlock()
		return 0, false, err
	}
	pgid := cmd.Process.Pid
	rep.pgid = pgid
	rep.pmu.Unlock()
	if err := writePIDFile(rep.dir, pgid); err != nil {
		klog.ErrorS(err, "Record the process of a replica", "replica", rep.name)
	}
	r.mu.Lock()
	rep.status.Phase = workload.PhaseRunning
	rep.status.Reason, rep.status.Message = "", ""
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
			code = 128 + int32(ws.Signal())
		}
	}
	return code, true, nil
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

// environment is the replica's environment: a minimal host environment,
// then the container's variables in order (each may refer to the ones
// before it), with the names of the owner's services rewritten to
// 127.0.0.1, and the termination message path.
func environment(rep *replica, c *corev1.Container, serviceHosts []localService) ([]string, error) {
	env := []string{
		"PATH=" + hostEnv("PATH", "/usr/local/bin:/usr/bin:/bin"),
		"HOME=" + rep.workDir,
		"LANG=" + hostEnv("LANG", "C.UTF-8"),
		"HOSTNAME=" + rep.name,
		TerminationMessagePathEnv + "=" + filepath.Join(rep.dir, terminationFile),
	}
	if rep.port != 0 {
		env = append(env, "PORT="+strconv.Itoa(rep.port))
	}
	if tz, ok := os.LookupEnv("TZ"); ok {
		env = append(env, "TZ="+tz)
	}
	lookup := func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	if len(c.EnvFrom) > 0 {
		return nil, fmt.Errorf("container %q: envFrom is not supported by the local runtime", c.Name)
	}
	for _, e := range c.Env {
		v := expand(e.Value, lookup)
		if e.ValueFrom != nil {
			var err error
			if v, err = fieldValue(rep, e); err != nil {
				return nil, err
			}
		}
		if e.Name == "PORT" && rep.port != 0 {
			// The replica's own port wins over the template's.
			continue
		}
		env = append(env, e.Name+"="+localValue(e.Name, v, rep.owner.Namespace, serviceHosts))
	}
	return env, nil
}

func hostEnv(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

// fieldValue resolves the downward-API references a process can have.
func fieldValue(rep *replica, e corev1.EnvVar) (string, error) {
	f := e.ValueFrom.FieldRef
	if f == nil {
		return "", fmt.Errorf("env %s: only fieldRef is supported by the local runtime (no secrets, config maps or resource fields)", e.Name)
	}
	meta := rep.template.ObjectMeta
	switch path := f.FieldPath; {
	case path == "metadata.name":
		return rep.name, nil
	case path == "metadata.namespace":
		return rep.owner.Namespace, nil
	case path == "metadata.uid":
		return rep.uid, nil
	case path == "spec.serviceAccountName":
		return rep.template.Spec.ServiceAccountName, nil
	case path == "spec.nodeName":
		host, _ := os.Hostname()
		return host, nil
	case path == "status.podIP" || path == "status.hostIP":
		return "127.0.0.1", nil
	case strings.HasPrefix(path, "metadata.labels['") && strings.HasSuffix(path, "']"):
		return meta.Labels[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.labels['"), "']")], nil
	case strings.HasPrefix(path, "metadata.annotations['") && strings.HasSuffix(path, "']"):
		return meta.Annotations[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.annotations['"), "']")], nil
	default:
		return "", fmt.Errorf("env %s: fieldRef %q is not supported by the local runtime", e.Name, path)
	}
}

// localService is a service of a replica's owner as the replica's
// environment sees it: its name, and the host port each of its ports is
// given here (every replica shares 127.0.0.1, so two jobs cannot both use
// port 29500).
type localService struct {
	name  string
	ports map[int32]int
}

// hostPattern matches a host name with an optional port inside a value
// (a URL, a host list, TF_CONFIG's JSON).
var hostPattern = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]+)?`)

// localValue rewrites the env var name=v for this host: every host in v
// that names one of the services (as the service, a host in it, or its
// cluster DNS name) becomes 127.0.0.1, with a service port after it
// becoming its host port; and a variable named *PORT whose value is a
// service port gets its host port.
func localValue(name, v, namespace string, services []localService) string {
	if strings.HasSuffix(name, "PORT") {
		if p, err := strconv.Atoi(v); err == nil {
			for _, svc := range services {
				if hp, ok := svc.ports[int32(p)]; ok {
					return strconv.Itoa(hp)
				}
			}
		}
	}
	var b strings.Builder
	last := 0
	for _, loc := range hostPattern.FindAllStringIndex(v, -1) {
		start, end := loc[0], loc[1]
		if !hostPosition(v, start) {
			continue
		}
		m := v[start:end]
		host, port, hasPort := strings.Cut(m, ":")
		svc, ok := serviceOf(host, namespace, services)
		if !ok {
			continue
		}
		b.WriteString(v[last:start])
		b.WriteString("127.0.0.1")
		if hasPort {
			if p, err := strconv.Atoi(port); err == nil {
				if hp, ok := svc.ports[int32(p)]; ok {
					port = strconv.Itoa(hp)
				}
			}
			b.WriteString(":" + port)
		}
		last = end
	}
	b.WriteString(v[last:])
	return b.String()
}

// hostPosition says whether a host may start at v[i]: at the start of the
// value, after a URL's "//" or user "@", or after a separator of a list
// or JSON; never inside a path ("/dir/<name>") or a longer word.
func hostPosition(v string, i int) bool {
	if i == 0 {
		return true
	}
	switch v[i-1] {
	case '/':
		return i >= 2 && v[i-2] == '/' && (i < 3 || v[i-3] != '/')
	case '@', '"', '\'', ',', ' ', '\t', '=', '[', '(':
		return true
	}
	return false
}

// serviceOf returns the service that host names: the service itself, a
// host in it (<host>.<service>), or either with the namespace's cluster
// DNS suffix.
func serviceOf(host, namespace string, services []localService) (localService, bool) {
	h := strings.TrimSuffix(host, ".")
	h = strings.TrimSuffix(h, ".svc.cluster.local")
	h = strings.TrimSuffix(h, ".svc")
	h = strings.TrimSuffix(h, "."+namespace)
	for _, svc := range services {
		if h == svc.name {
			return svc, true
		}
		if prefix, ok := strings.CutSuffix(h, "."+svc.name); ok && prefix != "" && !strings.Contains(prefix, ".") {
			return svc, true
		}
	}
	return localService{}, false
}

// lookPath finds file in the PATH of env, as exec.LookPath does for the
// server's own PATH.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "PATH" {
			for _, dir := range filepath.SplitList(v) {
				p := filepath.Join(dir, file)
				if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
					return p, nil
				}
			}
		}
	}
	return "", fmt.Errorf("executable %q not found in PATH", file)
}

// terminationMessage reads what the replica wrote to its termination
// message file, or with FallbackToLogsOnError the tail of its log when it
// failed and wrote nothing.
func terminationMessage(rep *replica, c *corev1.Container, code int32) string {
	data, err := readTail(filepath.Join(rep.dir, terminationFile), maxTerminationMessage)
	if err == nil && len(data) > 0 {
		return string(data)
	}
	if code == 0 || c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError {
		return ""
	}
	data, err = readTail(LogPath(rep.dir), maxTerminationMessage*4)
	if err != nil {
		return ""
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if _, msg, ok := parseCRILine(l); ok {
			lines = append(lines, msg)
		}
	}
	msg := strings.Join(lines, "\n")
	if len(msg) > maxTerminationMessage {
		msg = msg[len(msg)-maxTerminationMessage:]
	}
	return msg
}

// readTail returns at most n bytes from the end of file.
func readTail(file string, n int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > n {
		if _, err := f.Seek(fi.Size()-n, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(io.LimitReader(f, n))
}

// criWriter writes the lines of a replica's streams to one file in the CRI
// log format: `<RFC3339Nano time> <stream> <F|P> <text>`.
type criWriter struct {
	mu   sync.Mutex
	file io.Writer
}

// maxLogLine is the longest log line written in one piece; longer lines
// are split into partial (P) lines, as the kubelet does.
const maxLogLine = 16 * 1024

// copyLines copies the lines of one stream from r until it ends.
func (w *criWriter) copyLines(name string, r io.Reader) {
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			tag := "P"
			if line[len(line)-1] == '\n' {
				tag, line = "F", line[:len(line)-1]
			} else if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				tag = "F"
			}
			w.mu.Lock()
			fmt.Fprintf(w.file, "%s %s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), name, tag, line)
			w.mu.Unlock()
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// parseCRILine splits a CRI log line into its time and text.
func parseCRILine(l string) (time.Time, string, bool) {
	parts := strings.SplitN(l, " ", 4)
	if len(parts) != 4 {
		return time.Time{}, "", false
	}
	t, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return time.Time{}, "", false
	}
	return t, parts[3], true
}

// writePIDFile records the process group and its start time, so that a
// later runtime can stop it without mistaking a reused pid.
func writePIDFile(dir string, pid int) error {
	start, err := processStartTime(pid)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, pidFile), []byte(fmt.Sprintf("%d %s\n", pid, start)), 0o600)
}

// processStartTime is field 22 of /proc/<pid>/stat: the start time of the
// process in clock ticks since boot.
func processStartTime(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 {
		return "", fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return fields[19], nil
}

// stopLeftovers kills the process groups that an earlier runtime on dir
// recorded and that still run, and removes their directories.
func stopLeftovers(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "replicas", "*", "*", pidFile))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var pid int
		var start string
		if _, err := fmt.Sscanf(string(data), "%d %s", &pid, &start); err != nil || pid <= 1 {
			continue
		}
		if now, err := processStartTime(pid); err == nil && now == start {
			klog.InfoS("Stopping a replica process left by an earlier run", "pid", pid, "dir", filepath.Dir(f))
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			waitGone(pid, start, 5*time.Second)
		}
	}
	entries, err := filepath.Glob(filepath.Join(dir, "replicas", "*", "*"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(e); err != nil {
			return fmt.Errorf("local runtime: remove %s: %w", e, err)
		}
	}
	return nil
}

// waitGone waits until the process pid that started at start is gone.
func waitGone(pid int, start string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if now, err := processStartTime(pid); err != nil || now != start {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
