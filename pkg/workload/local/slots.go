package local

import (
	"fmt"
	"runtime"
	"sync"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// ReasonWaitingForProcessSlot is the reason of a Pending replica that
// waits for a running one to end, because the runtime already runs its
// maximum of processes.
const ReasonWaitingForProcessSlot = workload.ReasonWaitingForProcessSlot

// MaxProcessesFlag is the server flag that sets Config.MaxProcesses; the
// message of a waiting replica names it.
const MaxProcessesFlag = "--local-max-processes"

// DefaultMaxProcesses is the default cap on the replicas that run at once:
// four per core, and at least 8. Training replicas are mostly busy on a
// core or waiting on one another, so a few per core keeps the machine
// responsive (the server included) while letting the replicas of a small
// distributed job and a notebook or two run together on a laptop.
func DefaultMaxProcesses() int {
	return max(8, 4*runtime.NumCPU())
}

// processSlots caps the processes that run at once. A replica
// takes its slots (one, or numProcPerNode when the launcher plays torchrun
// for it) before its first process starts and gives them back once its
// last one ended (a replica restarting in place keeps its slots during its
// back-off, as a pod in CrashLoopBackOff stays on its node). Replicas
// that wait get the slots in the order they asked for them.
type processSlots struct {
	max int

	mu      sync.Mutex
	used    int
	waiting []slotWaiter
}

// slotWaiter is a replica in line for n slots.
type slotWaiter struct {
	ch chan struct{}
	n  int
}

// newProcessSlots returns max slots; none or fewer means no cap.
func newProcessSlots(n int) *processSlots {
	return &processSlots{max: n}
}

// weight is the slots a replica of n processes takes: at least 1, and at
// most all of them, so that a replica of more processes than the cap runs
// alone rather than never.
func (s *processSlots) weight(n int) int {
	n = max(n, 1)
	if s.max > 0 && n > s.max {
		n = s.max
	}
	return n
}

// tryAcquire takes n slots when they are free and nobody waits before;
// else it queues and returns the channel that is closed once the slots are
// handed over to the caller.
func (s *processSlots) tryAcquire(n int) (bool, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = s.weight(n)
	if s.max <= 0 || (s.used+n <= s.max && len(s.waiting) == 0) {
		s.used += n
		return true, nil
	}
	ch := make(chan struct{})
	s.waiting = append(s.waiting, slotWaiter{ch: ch, n: n})
	return false, ch
}

// cancel gives up the place of ch (in line for n slots) in the queue, or
// the slots it was handed in the meantime.
func (s *processSlots) cancel(ch chan struct{}, n int) {
	s.mu.Lock()
	for i, w := range s.waiting {
		if w.ch == ch {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			s.handOverLocked()
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	// Handed over already: pass them on.
	s.release(n)
}

// release gives n slots back, and hands free slots to the replicas
// waiting first, in order.
func (s *processSlots) release(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used -= s.weight(n)
	s.handOverLocked()
}

// handOverLocked gives the free slots to the head of the line while it fits.
func (s *processSlots) handOverLocked() {
	for len(s.waiting) > 0 && (s.max <= 0 || s.used+s.waiting[0].n <= s.max) {
		w := s.waiting[0]
		s.waiting = s.waiting[1:]
		s.used += w.n
		close(w.ch)
	}
}

// running is the number of slots taken.
func (s *processSlots) running() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// waitingMessage says why a replica waits, naming the flag that changes it.
func (s *processSlots) waitingMessage() string {
	return fmt.Sprintf("waiting for a process slot: the local runtime runs at most %d processes at once (%s)", s.max, MaxProcessesFlag)
}

// queueForSlot takes a process slot for rep, or else puts it in line and
// shows so in its status: in the order replicas are started, so that
// they get slots in that order. It returns the channel to wait on, nil
// when rep has its slot.
func (r *Runtime) queueForSlot(rep *replica, procs int) chan struct{} {
	ok, ch := r.slots.tryAcquire(procs)
	if ok {
		return nil
	}
	r.mu.Lock()
	rep.status.Reason = ReasonWaitingForProcessSlot
	rep.status.Message = r.slots.waitingMessage()
	r.mu.Unlock()
	return ch
}

// waitForSlot waits until rep has the slot it queued for (ch), and is
// false when the replica was stopped before; then it has no slot to
// release.
func (r *Runtime) waitForSlot(rep *replica, ch chan struct{}, procs int) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-rep.stopped:
		r.slots.cancel(ch, procs)
		r.mu.Lock()
		rep.status.FinishTime = r.now()
		r.mu.Unlock()
		return false
	}
}
