package local

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
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
// that wait get the slots in the order they asked for them; the replicas
// of a gang ask for theirs together (see gang).
type processSlots struct {
	max int

	mu      sync.Mutex
	used    int
	waiting []*slotWaiter
}

// slotWaiter is a replica, or a gang of replicas, in line for n slots;
// ch is closed once they are handed over.
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

// fits says whether n slots (weighed already) can ever be held at once.
func (s *processSlots) fits(n int) bool {
	return s.max <= 0 || n <= s.max
}

// take takes n slots (weighed already) for ch when they are free and
// nobody waits before, and is true then; else it queues ch, which is
// closed once the slots are handed over.
func (s *processSlots) take(n int, ch chan struct{}) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max <= 0 || (s.used+n <= s.max && len(s.waiting) == 0) {
		s.used += n
		return true
	}
	s.waiting = append(s.waiting, &slotWaiter{ch: ch, n: n})
	return false
}

// cancel gives up n of the slots ch waits for: its place in the queue
// when nothing is left to wait for, or, when they were handed over in the
// meantime, the n slots themselves.
func (s *processSlots) cancel(ch chan struct{}, n int) {
	s.mu.Lock()
	for i, w := range s.waiting {
		if w.ch == ch {
			if w.n -= n; w.n <= 0 {
				s.waiting = slices.Delete(s.waiting, i, i+1)
			}
			s.handOverLocked()
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	// Handed over already: pass them on.
	s.release(n)
}

// release gives n slots (weighed already) back, and hands free slots to
// the replicas waiting first, in order.
func (s *processSlots) release(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used -= n
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

// A gang is the replicas of an owner that must run at once for any of
// them to make progress (the replicas of a distributed TrainingJob, which
// rendezvous): their pod templates carry mlv1alpha1.GangSizeAnnotation.
// Started one by one, with the slots going to whichever replica asked
// first, two gangs could each hold part of the slots and wait for the
// rest forever, and a gang needing more slots than the cap would hold the
// cap forever. So the replicas of a gang wait until all of them were
// started, then ask for all their slots as one; a gang that needs more
// than the cap takes none and says so.
//
// A gang forms of the replicas started while no other replica of their
// owner exists: a replica that replaces a failed one next to running (or
// ended) siblings takes its own slots.
type gang struct {
	owner   types.UID
	size    int
	members []*replica
	// ch is closed once the gang holds its slots.
	ch chan struct{}
}

// gangSize is the size of the gang of a replica of template, 0 for none.
func gangSize(template *corev1.PodTemplateSpec) int {
	n, err := strconv.Atoi(template.Annotations[mlv1alpha1.GangSizeAnnotation])
	if err != nil || n < 2 {
		return 0
	}
	return n
}

// joinGangLocked adds rep to the gang forming for its owner, or starts
// one when no other replica of the owner exists; false when rep takes
// its own slots. Once the gang has all its replicas it asks for their
// slots together. It returns the channel closed once rep holds its slots.
func (r *Runtime) joinGangLocked(rep *replica, procs int) (chan struct{}, bool) {
	size := gangSize(&rep.template)
	if size == 0 {
		return nil, false
	}
	g := r.gangs[rep.owner.UID]
	if g == nil {
		for _, other := range r.replicas {
			if other != rep && other.owner.UID == rep.owner.UID {
				return nil, false
			}
		}
		g = &gang{owner: rep.owner.UID, ch: make(chan struct{})}
		r.gangs[g.owner] = g
	}
	g.size = size
	rep.gang, rep.procs = g, procs
	g.members = append(g.members, rep)
	r.formGangLocked(g)
	return g.ch, true
}

// formGangLocked asks for the slots of g once it has all its replicas, or
// says in its replicas' status what they wait for.
func (r *Runtime) formGangLocked(g *gang) {
	if len(g.members) < g.size {
		for _, m := range g.members {
			m.status.Reason = ReasonWaitingForProcessSlot
			m.status.Message = fmt.Sprintf("waiting for the other replicas of its job (%d of %d started): they run together, or none does", len(g.members), g.size)
		}
		return
	}
	need := 0
	for _, m := range g.members {
		need += r.slots.weight(m.procs)
	}
	if !r.slots.fits(need) {
		for _, m := range g.members {
			m.status.Reason = ReasonWaitingForProcessSlot
			m.status.Message = fmt.Sprintf("waiting for process slots it can never get: its job's %d replicas run together and need %d processes at once, and the local runtime runs at most %d (%s)",
				len(g.members), need, r.slots.max, MaxProcessesFlag)
		}
		return // a member's deletion takes it out (leaveGangLocked)
	}
	delete(r.gangs, g.owner)
	for _, m := range g.members {
		m.slots = r.slots.weight(m.procs)
	}
	if r.slots.take(need, g.ch) {
		close(g.ch)
		return
	}
	for _, m := range g.members {
		m.status.Reason = ReasonWaitingForProcessSlot
		m.status.Message = fmt.Sprintf("waiting for %d process slots for its job's %d replicas, which run together: the local runtime runs at most %d processes at once (%s)",
			need, len(g.members), r.slots.max, MaxProcessesFlag)
	}
}

// leaveGangLocked takes rep, stopped before its gang held its slots, out
// of the gang; it is false when the gang asked for its slots already.
func (r *Runtime) leaveGangLocked(rep *replica) bool {
	g := rep.gang
	if r.gangs[g.owner] != g {
		return false
	}
	g.members = slices.DeleteFunc(g.members, func(m *replica) bool { return m == rep })
	if len(g.members) == 0 {
		delete(r.gangs, g.owner)
	}
	return true
}

// queueForSlot takes the process slots of rep, or else puts it in line
// (alone, or with its gang) and shows so in its status: in the order
// replicas are started, so that they get slots in that order. It returns
// the channel to wait on, nil when rep has its slots.
func (r *Runtime) queueForSlot(rep *replica, procs int) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch, ok := r.joinGangLocked(rep, procs); ok {
		select {
		case <-ch:
			return nil
		default:
			return ch
		}
	}
	rep.slots = r.slots.weight(procs)
	ch := make(chan struct{})
	if r.slots.take(rep.slots, ch) {
		return nil
	}
	rep.status.Reason = ReasonWaitingForProcessSlot
	rep.status.Message = r.slots.waitingMessage()
	return ch
}

// waitForSlot waits until rep has the slots it queued for (ch), and is
// false when the replica was stopped before; then it has no slots to
// release.
func (r *Runtime) waitForSlot(rep *replica, ch chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-rep.stopped:
		r.mu.Lock()
		if rep.gang == nil || !r.leaveGangLocked(rep) {
			r.slots.cancel(ch, rep.slots)
		}
		rep.status.FinishTime = r.now()
		r.mu.Unlock()
		return false
	}
}
