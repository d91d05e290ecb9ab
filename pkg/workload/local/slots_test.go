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

	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestMaxProcesses(t *testing.T) {
	const maxProcesses, n = 2, 6
	dir := t.TempDir()
	r, err := New(Config{Dir: dir, MaxGracePeriod: 2 * time.Second, MaxProcesses: maxProcesses, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
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
	r, err := New(Config{Dir: t.TempDir(), MaxGracePeriod: 2 * time.Second, MaxProcesses: 1, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
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
	r, err := New(Config{Dir: t.TempDir(), MaxGracePeriod: 2 * time.Second, MaxProcesses: 1, Confinement: testConfinement(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
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

// TestWeightedSlots: a replica of several processes takes as many slots,
// waits in line until they are all free, and one of more processes than
// the cap takes them all rather than waiting forever.
func TestWeightedSlots(t *testing.T) {
	s := newProcessSlots(4)
	if ok, _ := s.tryAcquire(3); !ok {
		t.Fatal("3 of 4 free slots refused")
	}
	ok, pair := s.tryAcquire(2)
	if ok {
		t.Fatal("2 slots taken with 1 free")
	}
	ok, one := s.tryAcquire(1)
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
	if ok, _ := s.tryAcquire(9); !ok || s.running() != 4 {
		t.Errorf("a replica of 9 processes under a cap of 4: taken %v, %d slots used; want all 4", ok, s.running())
	}
	ok, late := s.tryAcquire(1)
	if ok {
		t.Fatal("a slot taken while all are used")
	}
	s.cancel(late, 1)
	s.release(9)
	if got := s.running(); got != 0 {
		t.Errorf("%d slots taken after every replica ended, want 0", got)
	}
}
