package local

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/procfs"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// writePIDFile records the process group and its start time, so that a
// later runtime can stop it without mistaking a reused pid.
func writePIDFile(dir string, pid int) error {
	start, err := processStartTime(pid)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, pidFile), []byte(fmt.Sprintf("%d %s\n", pid, start)), 0o600)
}

// processStartTime is the start time of the process in clock ticks since
// boot (field 22 of /proc/<pid>/stat): with the pid, it names one process.
func processStartTime(pid int) (string, error) {
	st, err := procStat(pid)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(st.Starttime, 10), nil
}

// procStat is /proc/<pid>/stat.
func procStat(pid int) (procfs.ProcStat, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return procfs.ProcStat{}, err
	}
	return p.Stat()
}

// MarkerEnv names the variable every process of the runtime starts with:
// the runtime directory's marker, then ":<namespace>/<replica>". It is in
// /proc/<pid>/environ from the moment the process is executed, before any
// of its user's code runs, so a runtime that starts after a crash finds
// every process an earlier one started, recorded in a pid file or not.
const MarkerEnv = "ML_LOCAL_RUNTIME"

// Marker is the marker of the processes of the runtime directory dir.
func Marker(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return hex.EncodeToString(sum[:8])
}

// Processes returns the running processes that carry the marker of the
// runtime directory dir, by "<namespace>/<replica>".
func Processes(dir string) map[string][]int {
	prefix := []byte(MarkerEnv + "=" + Marker(dir) + ":")
	out := map[string][]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(data, []byte{0}) {
			if rest, ok := bytes.CutPrefix(kv, prefix); ok {
				out[string(rest)] = append(out[string(rest)], pid)
				break
			}
		}
	}
	return out
}

// stopMarked kills every process that carries the marker of dir, with its
// process group, and waits until none runs.
func stopMarked(dir string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		procs := Processes(dir)
		if len(procs) == 0 || time.Now().After(deadline) {
			return
		}
		for replica, pids := range procs {
			for _, pid := range pids {
				klog.InfoS("Stopping a replica process left by an earlier run", "pid", pid, "replica", replica)
				if st, err := procStat(pid); err == nil && st.PGRP > 1 && st.PGRP != syscall.Getpgrp() {
					_ = syscall.Kill(-st.PGRP, syscall.SIGKILL)
				}
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stopLeftovers kills the processes that an earlier runtime on dir
// started and that still run: those that carry its marker, and the
// process groups it recorded. It returns the replicas whose logs are not
// archived yet (see loadLeftover), with the UID of what controlled each,
// and removes the other directories.
func stopLeftovers(dir string, limits LogLimits) (map[*replica]types.UID, error) {
	stopMarked(dir)
	files, err := filepath.Glob(filepath.Join(dir, "replicas", "*", "*", pidFile))
	if err != nil {
		return nil, err
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
			waitGroupGone(pid, 5*time.Second)
		}
	}
	entries, err := filepath.Glob(filepath.Join(dir, "replicas", "*", "*"))
	if err != nil {
		return nil, err
	}
	kept := map[*replica]types.UID{}
	for _, e := range entries {
		rep, controller, err := loadLeftover(e, limits)
		if err != nil {
			klog.ErrorS(err, "Read the record of a replica left by an earlier run: its log is not kept", "dir", e)
		}
		if rep != nil {
			_ = os.Remove(filepath.Join(e, pidFile))
			kept[rep] = controller
			continue
		}
		if err := os.RemoveAll(e); err != nil {
			return nil, fmt.Errorf("local runtime: remove %s: %w", e, err)
		}
	}
	return kept, nil
}

// waitGroupGone waits until no process of the process group pgid runs
// any more: every member has exited (a zombie waiting for its parent to
// reap it runs no more). Waiting for the leader alone is not enough: the
// kill reaches the members of the group one by one.
func waitGroupGone(pgid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for groupRuns(pgid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// groupRuns says whether a process of the process group pgid runs: field
// 3 of /proc/<pid>/stat is the state, field 5 the process group.
func groupRuns(pgid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.PGRP == pgid && st.State != "Z" {
			return true
		}
	}
	return false
}
