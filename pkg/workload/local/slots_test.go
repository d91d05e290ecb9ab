package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestMaxProcesses(t *testing.T) {
	const maxProcesses, n = 2, 6
	dir := t.TempDir()
	r := newCappedRuntime(t, dir, maxProcesses)
	o := owner("job", "1")
	shared := sharedDir(t)
	gate, order := filepath.Join(shared, "go"), filepath.Join(shared, "order")
	// Each replica says it started, then runs until the gate opens and a
	// little longer, so that the ones that start late overlap the others.
	script := `echo $HOSTNAME >> ` + order + `; while [ ! -e ` + gate + ` ]; do sleep 0.05; done; sleep 1`
	var names []string
	for i := range n {
		name := fmt.Sprintf("job-%d", i)
		names = append(names, name)
		spec := shReplica(name, script)
		if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
			t.Fatal(err)
		}
	}

	// Before the gate opens: the cap runs, the rest waits and says why.
	deadline := time.Now().Add(20 * time.Second)
	var list []workload.ReplicaStatus
	for {
		list, _ = r.ListReplicas(o)
		running, waiting := 0, 0
		for _, s := range list {
			switch {
			case s.Phase == workload.PhaseRunning:
				running++
			case s.Phase == workload.PhasePending && s.Reason == ReasonWaitingForProcessSlot &&
				strings.Contains(s.Message, MaxProcessesFlag) && strings.Contains(s.Message, strconv.Itoa(maxProcesses)):
				waiting++
			}
		}
		if running == maxProcesses && waiting == n-maxProcesses {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas %+v: want %d Running and %d Pending with reason %s naming %s", list, maxProcesses, n-maxProcesses, ReasonWaitingForProcessSlot, MaxProcessesFlag)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := len(Processes(dir)); got != maxProcesses {
		t.Errorf("%d replica processes run, want %d: the cap runs, the rest waits", got, maxProcesses)
	}

	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	most := 0
	deadline = time.Now().Add(60 * time.Second)
	for {
		most = max(most, len(Processes(dir)))
		list, _ = r.ListReplicas(o)
		done := 0
		for _, s := range list {
			if s.Finished() {
				done++
			}
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas %+v: want all %d finished", list, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if most > maxProcesses {
		t.Errorf("%d replica processes ran at once, want at most %d", most, maxProcesses)
	}
	for _, s := range list {
		if s.Phase != workload.PhaseSucceeded || s.Reason != "Completed" {
			t.Errorf("replica %s: %s %s %q, want Succeeded", s.Name, s.Phase, s.Reason, s.Message)
		}
	}
	// Slots went in the order the replicas were created.
	data, err := os.ReadFile(order)
	if err != nil {
		t.Fatal(err)
	}
	// Those that start together may write in either order: compare by
	// rounds of maxProcesses.
	got := strings.Fields(string(data))
	if len(got) != n {
		t.Fatalf("replicas started %v, want each of %v once", got, names)
	}
	for i := 0; i < n; i += maxProcesses {
		round, want := slices.Sorted(slices.Values(got[i:i+maxProcesses])), names[i:i+maxProcesses]
		if !slices.Equal(round, want) {
			t.Errorf("replicas started in the order %v, want %v in rounds of %d", got, names, maxProcesses)
			break
		}
	}
	if got := r.slots.running(); got != 0 {
		t.Errorf("%d slots still taken after every replica ended", got)
	}
}

func TestWaitingReplicaDeleted(t *testing.T) {
	r := newCappedRuntime(t, t.TempDir(), 1)
	o := owner("job", "1")
	ctx := context.Background()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := r.EnsureReplica(ctx, o, shReplica(name, "sleep 300")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, r, o, "a", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	// b leaves the line: c gets the slot once a ends, not b.
	if err := r.DeleteReplica(ctx, o, "b", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, o, "b")
	if err := r.DeleteReplica(ctx, o, "a", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, o, "c", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	if got := r.slots.running(); got != 1 {
		t.Errorf("%d slots taken, want 1 (c)", got)
	}
}

// TestServedSetWaitingForProcessSlot checks that a served set whose
// replica waits for a slot says so in its status, without failing.
func TestServedSetWaitingForProcessSlot(t *testing.T) {
	r := newCappedRuntime(t, t.TempDir(), 1)
	ctx := context.Background()
	job := owner("job", "1")
	if _, err := r.EnsureReplica(ctx, job, shReplica("busy", "sleep 300")); err != nil {
		t.Fatal(err)
	}
	nb := owner("nb", "2")
	template := shReplica("nb", "sleep 300").Template
	if _, err := r.EnsureServedSet(ctx, nb, workload.ServedSetSpec{Name: "nb", Replicas: 1, Template: template, Stable: true}); err != nil {
		t.Fatal(err)
	}
	s := waitSet(t, r, nb, func(s workload.ServedSetStatus) bool { return s.Reason == ReasonWaitingForProcessSlot })
	if s.Failed || !strings.Contains(s.Message, MaxProcessesFlag) {
		t.Errorf("set status %+v: want not failed, a message naming %s", s, MaxProcessesFlag)
	}
	if err := r.DeleteReplica(ctx, job, "busy", ""); err != nil {
		t.Fatal(err)
	}
	waitSet(t, r, nb, func(s workload.ServedSetStatus) bool { return s.ReadyReplicas == 1 && s.Reason == "" })
}

// tryAcquire takes the slots of a replica of n processes, or queues for
// them.
func tryAcquire(s *processSlots, n int) (bool, chan struct{}) {
	ch := make(chan struct{})
	return s.take(s.weight(n), ch), ch
}

// TestWeightedSlots: a replica of several processes takes as many slots,
// waits in line until they are all free, and one of more processes than
// the cap takes them all rather than waiting forever.
func TestWeightedSlots(t *testing.T) {
	s := newProcessSlots(4)
	if ok, _ := tryAcquire(s, 3); !ok {
		t.Fatal("3 of 4 free slots refused")
	}
	ok, pair := tryAcquire(s, 2)
	if ok {
		t.Fatal("2 slots taken with 1 free")
	}
	ok, one := tryAcquire(s, 1)
	if ok {
		t.Fatal("1 slot taken while a replica waits before it")
	}
	s.release(3)
	for name, ch := range map[string]chan struct{}{"the pair": pair, "the single": one} {
		select {
		case <-ch:
		default:
			t.Errorf("%s did not get its slots once 3 were released", name)
		}
	}
	if got := s.running(); got != 3 {
		t.Errorf("%d slots taken, want 3", got)
	}
	s.release(2)
	s.release(1)
	if ok, _ := tryAcquire(s, 9); !ok || s.running() != 4 {
		t.Errorf("a replica of 9 processes under a cap of 4: taken %v, %d slots used; want all 4", ok, s.running())
	}
	ok, late := tryAcquire(s, 1)
	if ok {
		t.Fatal("a slot taken while all are used")
	}
	s.cancel(late, 1)
	s.release(s.weight(9))
	if got := s.running(); got != 0 {
		t.Errorf("%d slots taken after every replica ended, want 0", got)
	}
}

// gangReplica is replica name of a gang of size, running script.
func gangReplica(name string, size int, script string) workload.ReplicaSpec {
	spec := shReplica(name, script)
	spec.Template.Annotations = map[string]string{mlv1alpha1.GangSizeAnnotation: strconv.Itoa(size)}
	return spec
}

// rendezvous is a script that says it arrived in dir, then waits until
// every one of names arrived, as the replicas of a distributed job wait
// for one another before training.
func rendezvous(dir, self string, names ...string) string {
	script := "touch " + filepath.Join(dir, self) + "; "
	for _, n := range names {
		script += "while [ ! -e " + filepath.Join(dir, n) + " ]; do sleep 0.05; done; "
	}
	return script + "sleep 0.2"
}

// TestGangsStartTogether: two jobs of two replicas that rendezvous,
// started interleaved under a cap of 2. Given slots one by one, the first
// replica of each would hold a slot while waiting for its sibling, which
// waits for a slot: neither job would ever finish. As gangs, one job takes
// both slots, then the other.
func TestGangsStartTogether(t *testing.T) {
	r := newCappedRuntime(t, t.TempDir(), 2)
	ctx := context.Background()
	dir := sharedDir(t)
	a, b := owner("a", "1"), owner("b", "2")
	for _, c := range []struct {
		o          workload.Owner
		name, peer string
	}{{a, "a-0", "a-1"}, {b, "b-0", "b-1"}, {b, "b-1", "b-0"}, {a, "a-1", "a-0"}} {
		if _, err := r.EnsureReplica(ctx, c.o, gangReplica(c.name, 2, rendezvous(dir, c.name, c.peer))); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		o    workload.Owner
		name string
	}{{a, "a-0"}, {a, "a-1"}, {b, "b-0"}, {b, "b-1"}} {
		s := waitFor(t, r, c.o, c.name, func(s workload.ReplicaStatus) bool { return s.Finished() })
		if s.Phase != workload.PhaseSucceeded {
			t.Errorf("replica %s: %s %s %q, want Succeeded", c.name, s.Phase, s.Reason, s.Message)
		}
	}
	if got := r.slots.running(); got != 0 {
		t.Errorf("%d slots still taken after every replica ended", got)
	}
}

// TestGangWaitsForItsReplicas: a gang's replicas wait, holding no slot,
// until all of them were started, and say so; a gang that needs more
// slots than the cap takes none and says why, while others run; a
// replica that replaces one next to a running sibling takes its own slot.
func TestGangWaitsForItsReplicas(t *testing.T) {
	r := newCappedRuntime(t, t.TempDir(), 2)
	ctx := context.Background()
	waiting := func(o workload.Owner, name, message string) {
		t.Helper()
		s := waitFor(t, r, o, name, func(s workload.ReplicaStatus) bool {
			return s.Phase == workload.PhasePending && s.Reason == ReasonWaitingForProcessSlot && strings.Contains(s.Message, message)
		})
		if r.slots.running() != 0 {
			t.Errorf("%s %q: %d slots taken, want none", name, s.Message, r.slots.running())
		}
	}

	big := owner("big", "1")
	for i := range 3 {
		name := fmt.Sprintf("big-%d", i)
		if _, err := r.EnsureReplica(ctx, big, gangReplica(name, 3, "sleep 300")); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			waiting(big, name, "(1 of 3 started)")
		}
	}
	waiting(big, "big-2", "need 3 processes at once, and the local runtime runs at most 2 ("+MaxProcessesFlag+")")

	// Others run meanwhile.
	job := owner("job", "2")
	if _, err := r.EnsureReplica(ctx, job, gangReplica("job-0", 2, "sleep 300")); err != nil {
		t.Fatal(err)
	}
	waiting(job, "job-0", "(1 of 2 started)")
	if _, err := r.EnsureReplica(ctx, job, gangReplica("job-1", 2, "sleep 300")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"job-0", "job-1"} {
		waitFor(t, r, job, name, func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	}
	// job-1 fails and is replaced: the new one takes its own slot next
	// to job-0.
	if err := r.DeleteReplica(ctx, job, "job-1", ""); err != nil {
		t.Fatal(err)
	}
	waitGoneFromList(t, r, job, "job-1")
	if _, err := r.EnsureReplica(ctx, job, gangReplica("job-1", 2, "sleep 300")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, job, "job-1", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })

	// The big gang's replicas leave without a trace in the slots.
	for i := range 3 {
		if err := r.DeleteReplica(ctx, big, fmt.Sprintf("big-%d", i), ""); err != nil {
			t.Fatal(err)
		}
		waitGoneFromList(t, r, big, fmt.Sprintf("big-%d", i))
	}
	if got := r.slots.running(); got != 2 {
		t.Errorf("%d slots taken, want job's 2", got)
	}
	r.mu.Lock()
	forming := len(r.gangs)
	r.mu.Unlock()
	if forming != 0 {
		t.Errorf("%d gangs still forming, want none", forming)
	}
}

// newCappedRuntime is a runtime over dir that runs at most maxProcesses
// processes, shut down at the end of the test.
func newCappedRuntime(t *testing.T, dir string, maxProcesses int) *Runtime {
	t.Helper()
	r, err := New(Config{Dir: dir, MaxGracePeriod: 2 * time.Second, MaxProcesses: maxProcesses, Confinement: testConfinement(t)})
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
