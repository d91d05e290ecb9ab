package local

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func rotatingRuntime(t *testing.T, limits LogLimits) *Runtime {
	t.Helper()
	r, err := New(Config{Dir: t.TempDir(), MaxGracePeriod: 2 * time.Second, Log: limits, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
	return r
}

// logFilesOf returns the log files of the replica directory dir and their
// total size.
func logFilesOf(t *testing.T, dir string) ([]string, int64) {
	t.Helper()
	matches, err := filepath.Glob(LogPath(dir) + "*")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil {
			total += fi.Size()
		}
	}
	return matches, total
}

// numbered prints lines from to to (%07d and padding, about 100 bytes).
func numbered(from, to int) string {
	return fmt.Sprintf(`awk 'BEGIN { for (i = %d; i <= %d; i++) printf "%%07d %%s\n", i, "%s" }'`, from, to, strings.Repeat("x", 90))
}

func TestLogRotationBoundsTheFiles(t *testing.T) {
	limits := LogLimits{MaxSize: 1 << 20, MaxFiles: 3}
	r := rotatingRuntime(t, limits)
	o := owner("job", "1")
	// About 30 MB of output, 45 MB of log lines.
	const n = 300000
	if _, err := r.EnsureReplica(context.Background(), o, shReplica("job-0", numbered(1, n))); err != nil {
		t.Fatal(err)
	}
	dir := replicaDir(t, r, "job-0")
	bound := limits.MaxSize * int64(limits.MaxFiles)
	for {
		files, total := logFilesOf(t, dir)
		if total > bound || len(files) > limits.MaxFiles {
			t.Fatalf("log files %v hold %d bytes: want at most %d files, %d bytes", files, total, limits.MaxFiles, bound)
		}
		list, _ := r.ListReplicas(o)
		if len(list) == 1 && list[0].Finished() {
			if list[0].Phase != workload.PhaseSucceeded {
				t.Fatalf("replica %+v, want Succeeded", list[0])
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	files, total := logFilesOf(t, dir)
	if total > bound || len(files) != limits.MaxFiles {
		t.Fatalf("log files %v hold %d bytes: want %d files, at most %d bytes", files, total, limits.MaxFiles, bound)
	}

	s := r.LogSource()
	want := ""
	for i := n - 4; i <= n; i++ {
		want += fmt.Sprintf("%07d %s\n", i, strings.Repeat("x", 90))
	}
	if got := readAll(t, s, "job-0", workload.PodLogOptions{TailLines: ptr(int64(5))}); got != want {
		t.Errorf("tail 5: %q, want %q", got, want)
	}
	// limitBytes and sinceSeconds read from the oldest line kept.
	first := readAll(t, s, "job-0", workload.PodLogOptions{LimitBytes: ptr(int64(8))})
	since := readAll(t, s, "job-0", workload.PodLogOptions{SinceSeconds: ptr(int64(3600)), LimitBytes: ptr(int64(8))})
	if len(first) != 8 || first == "0000001 " || since != first {
		t.Errorf("limitBytes=8: %q, with sinceSeconds: %q; want the start of the oldest line kept", first, since)
	}
	// The whole log is what the files kept: whole lines, in order, up to
	// the last one.
	all := strings.Split(strings.TrimSuffix(readAll(t, s, "job-0", workload.PodLogOptions{}), "\n"), "\n")
	if int64(len(all)*100) > bound || len(all) < int(limits.MaxSize/200) {
		t.Errorf("whole log of %d lines: want what %d files of %d bytes hold", len(all), limits.MaxFiles, limits.MaxSize)
	}
	checkConsecutive(t, all, n)
}

// checkConsecutive checks that lines are numbered one after the other and
// end with last.
func checkConsecutive(t *testing.T, lines []string, last int) {
	t.Helper()
	var prev int
	for i, l := range lines {
		num, _, _ := strings.Cut(l, " ")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("line %d %q is not numbered", i, l)
		}
		if i > 0 && v != prev+1 {
			t.Fatalf("line %d is %d after %d: lines lost or repeated", i, v, prev)
		}
		prev = v
	}
	if prev != last {
		t.Errorf("last line %d, want %d", prev, last)
	}
}

// TestLogFollowAcrossRotation follows a log while it is rotated many
// times: every line comes once, in order. The replica prints a chunk of
// lines each time the test has read the previous one, so the follower
// never lags by more than the files keep.
func TestLogFollowAcrossRotation(t *testing.T) {
	limits := LogLimits{MaxSize: 64 << 10, MaxFiles: 4}
	r := rotatingRuntime(t, limits)
	o := owner("job", "1")
	gates := sharedDir(t)
	const chunks, perChunk = 20, 1000
	script := fmt.Sprintf(`for c in $(seq 1 %d); do
  while [ ! -e %s/$c ]; do sleep 0.02; done
  awk -v c=$c 'BEGIN { for (i = (c-1)*%d+1; i <= c*%d; i++) printf "%%07d %%s\n", i, "%s" }'
done`, chunks, gates, perChunk, perChunk, strings.Repeat("y", 40))
	if _, err := r.EnsureReplica(context.Background(), o, shReplica("job-0", script)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "job-0", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := r.LogSource().Stream(ctx, "ns", "job-0", workload.PodLogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := os.WriteFile(filepath.Join(gates, "1"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines)%perChunk == 0 && len(lines) < chunks*perChunk {
			if err := os.WriteFile(filepath.Join(gates, strconv.Itoa(len(lines)/perChunk+1)), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != chunks*perChunk {
		t.Fatalf("followed %d lines, want %d", len(lines), chunks*perChunk)
	}
	checkConsecutive(t, lines, chunks*perChunk)
	if files, total := logFilesOf(t, replicaDir(t, r, "job-0")); total > limits.MaxSize*int64(limits.MaxFiles) {
		t.Errorf("log files %v hold %d bytes, want at most %d", files, total, limits.MaxSize*int64(limits.MaxFiles))
	}
}

// TestLogPreviousAcrossRotation checks that the run before the current one
// is found after its lines were rotated into other files, and that a
// failed run's termination message comes from the end of its log.
func TestLogPreviousAcrossRotation(t *testing.T) {
	limits := LogLimits{MaxSize: 16 << 10, MaxFiles: 10}
	r := rotatingRuntime(t, limits)
	o := owner("job", "1")
	runs := sharedDir(t)
	// The first run prints 1..1000 and fails; the second 1001..2000 and
	// waits.
	script := `if [ ! -e ` + runs + `/ran ]; then touch ` + runs + `/ran; ` + numbered(1, 1000) + `; exit 1; fi; ` +
		numbered(1001, 2000) + `; sleep 300`
	spec := shReplica("job-0", script)
	spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	spec.Template.Spec.Containers[0].TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "job-0", func(s workload.ReplicaStatus) bool { return s.Restarts == 1 && s.Phase == workload.PhaseRunning })
	if !strings.HasSuffix(st.TerminationMessage, fmt.Sprintf("%07d %s", 1000, strings.Repeat("x", 90))) {
		t.Errorf("termination message ends %q, want the last line of the failed run", st.TerminationMessage[max(0, len(st.TerminationMessage)-120):])
	}
	s := r.LogSource()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := readAll(t, s, "job-0", workload.PodLogOptions{TailLines: ptr(int64(1))})
		if strings.HasPrefix(got, "0002000 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last line %q, want 0002000", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	prev := strings.Split(strings.TrimSuffix(readAll(t, s, "job-0", workload.PodLogOptions{Previous: true}), "\n"), "\n")
	checkConsecutive(t, prev, 1000)
	current := strings.Split(strings.TrimSuffix(readAll(t, s, "job-0", workload.PodLogOptions{}), "\n"), "\n")
	checkConsecutive(t, current, 2000)
	if !strings.HasPrefix(current[0], "0001001 ") {
		t.Errorf("current run starts with %q, want 0001001", current[0])
	}
}
