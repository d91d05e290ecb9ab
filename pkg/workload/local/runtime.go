package local

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// TerminationMessagePathEnv names the file a replica writes its
// termination message to (pipeline tasks: their outputs).
const TerminationMessagePathEnv = "ML_TERMINATION_MESSAGE_PATH"

// maxTerminationMessage is the size of a termination message kept, as the
// kubelet's limit per container.
const maxTerminationMessage = 4096

// defaultGracePeriod is how long a stopped replica gets between SIGTERM
// and SIGKILL when its template does not say.
const defaultGracePeriod = 30 * time.Second

// Config is what a Runtime needs.
type Config struct {
	// Dir holds a working directory per replica and the runtime's state.
	Dir string
	// Labels are put on every replica the runtime makes.
	Labels map[string]string
	// Clock tells start and finish times; the real clock when nil.
	Clock clock.Clock
	// MaxGracePeriod caps the grace period of templates (0: no cap), so
	// that a deletion never waits long on a laptop.
	MaxGracePeriod time.Duration
	// OwnerEnv returns variables every replica of owner gets after its
	// template's (and in place of the template's of the same name), such
	// as where and with which credentials to push metrics; optional.
	// Files it writes for the owner go under credentialsDir (created on
	// demand by OwnerEnv), which the runtime removes once the owner is
	// forgotten, or at a later start once the owner is gone
	// (RemoveStaleCredentials).
	OwnerEnv func(owner workload.Owner, credentialsDir string) ([]corev1.EnvVar, error)
	// MaxProcesses caps the replicas that run at once (0: no cap).
	MaxProcesses int
	// Log bounds the log files of each replica (zero: the kubelet's).
	Log LogLimits
	// Confinement is how processes are kept away from the rest of the
	// host (confined by default).
	Confinement Confinement
	// Fetcher does the pulls of templates' pull init containers (model
	// files); nil fails a replica that has one.
	Fetcher workload.ArtifactFetcher
	// Artifacts is where replicas' artifacts are pulled from and pushed to.
	Artifacts ArtifactConfig
}

// Runtime runs replicas as host processes.
type Runtime struct {
	dir            string
	ownerEnv       func(owner workload.Owner, credentialsDir string) ([]corev1.EnvVar, error)
	fetcher        workload.ArtifactFetcher
	labels         map[string]string
	clock          clock.Clock
	maxGracePeriod time.Duration
	slots          *processSlots
	logLimits      LogLimits
	confinement    Confinement
	artifacts      ArtifactConfig
	// marker identifies the processes of this runtime's directory.
	marker string

	mu       sync.Mutex
	replicas map[cache.ObjectName]*replica
	// gangs are the gangs forming, by owner (slots.go).
	gangs    map[types.UID]*gang
	services map[cache.ObjectName]*service
	sets     map[cache.ObjectName]*servedSet
	volumes  map[cache.ObjectName]*volume
	handlers map[schema.GroupKind][]func(cache.ObjectName)
	// forgotten are the owners ForgetOwner let go, and when: a sync of
	// a controller that raced with the deletion must not start children
	// of them again, which nothing would stop.
	forgotten map[types.UID]time.Time
	// recorder writes events about owners; warned are the owners told
	// that their images are ignored.
	recorder record.EventRecorder
	warned   map[string]bool
	// wg counts the goroutines watching processes.
	wg sync.WaitGroup
	// leftovers are the replicas an earlier runtime on the directory ran
	// whose logs are not archived yet; removing are the replicas of
	// served sets being stopped and removed. LogSource reads both, with
	// the UID of what controls each (keep.go, archive.go).
	leftovers map[*replica]types.UID
	removing  map[*replica]types.UID
	archive   *archiving
}

var _ workload.Runtime = &Runtime{}

// service is a service of an owner: a name its replicas' env may use.
type service struct {
	ownerUID string
	spec     workload.ServiceSpec
	// proxies forward the service's ports to its replicas.
	proxies []*proxy
	// hostPorts are the ports of 127.0.0.1 that the replicas of a
	// headless service listen on in place of its ports.
	hostPorts map[int32]int
	// replicaPorts are the ports of 127.0.0.1 of the hosts of a headless
	// service (<host>.<service>), by host and service port.
	replicaPorts map[string]map[int32]int
}

// New returns a runtime over c.Dir, after stopping the processes an
// earlier runtime on the same directory left running.
func New(c Config) (*Runtime, error) {
	if c.Dir == "" {
		return nil, fmt.Errorf("local runtime: no directory")
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("local runtime: %w", err)
	}
	r := &Runtime{
		dir:            c.Dir,
		ownerEnv:       c.OwnerEnv,
		fetcher:        c.Fetcher,
		labels:         maps.Clone(c.Labels),
		clock:          c.Clock,
		maxGracePeriod: c.MaxGracePeriod,
		slots:          newProcessSlots(c.MaxProcesses),
		logLimits:      c.Log.withDefaults(),
		artifacts:      c.Artifacts,
		replicas:       map[cache.ObjectName]*replica{},
		gangs:          map[types.UID]*gang{},
		services:       map[cache.ObjectName]*service{},
		sets:           map[cache.ObjectName]*servedSet{},
		volumes:        map[cache.ObjectName]*volume{},
		handlers:       map[schema.GroupKind][]func(cache.ObjectName){},
		warned:         map[string]bool{},
		forgotten:      map[types.UID]time.Time{},
		marker:         Marker(c.Dir),
		removing:       map[*replica]types.UID{},
		archive:        newArchiving(),
	}
	if r.clock == nil {
		r.clock = clock.RealClock{}
	}
	leftovers, err := stopLeftovers(c.Dir, r.logLimits)
	if err != nil {
		return nil, err
	}
	r.leftovers = leftovers
	for rep := range leftovers {
		r.archive.push(rep)
	}
	if err := r.setUpConfinement(c.Confinement); err != nil {
		return nil, err
	}
	return r, nil
}

// SetEventRecorder makes the runtime tell owners, by a Warning event,
// that the images of their replicas are ignored.
func (r *Runtime) SetEventRecorder(recorder record.EventRecorder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recorder = recorder
}

// warnImageIgnored tells owner once that its image is not run.
func (r *Runtime) warnImageIgnored(owner workload.Owner, t *corev1.PodTemplateSpec) {
	c, err := mainContainer(t)
	if err != nil || c.Image == "" {
		return
	}
	r.mu.Lock()
	recorder, warned := r.recorder, r.warned[string(owner.UID)]
	r.warned[string(owner.UID)] = true
	r.mu.Unlock()
	if recorder == nil || warned {
		return
	}
	ref := &corev1.ObjectReference{
		APIVersion: owner.Kind.GroupVersion().String(),
		Kind:       owner.Kind.Kind,
		Namespace:  owner.Namespace,
		Name:       owner.Name,
		UID:        owner.UID,
	}
	recorder.Eventf(ref, corev1.EventTypeWarning, "ImageIgnored",
		"Standalone mode runs the command of container %q on this machine and ignores its image %q", c.Name, c.Image)
}

// HasSynced is always true: the runtime's state is its own memory.
func (r *Runtime) HasSynced() bool { return true }

// AddOwnerHandler calls handler with the owner's name whenever a replica
// of an owner of kind changes.
func (r *Runtime) AddOwnerHandler(kind schema.GroupKind, handler func(cache.ObjectName)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[kind] = append(r.handlers[kind], handler)
	return nil
}

// notify tells the handlers of owner's kind that a child of it changed.
// It must be called without r.mu held.
func (r *Runtime) notify(owner workload.Owner) {
	r.mu.Lock()
	handlers := slices.Clone(r.handlers[owner.Kind.GroupKind()])
	r.mu.Unlock()
	for _, h := range handlers {
		h(cache.ObjectName{Namespace: owner.Namespace, Name: owner.Name})
	}
}

// EnsureReplica starts the replica unless it exists.
func (r *Runtime) EnsureReplica(ctx context.Context, owner workload.Owner, spec workload.ReplicaSpec) (bool, error) {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: spec.Name}
	r.mu.Lock()
	if err := r.forgottenLocked(owner); err != nil {
		r.mu.Unlock()
		return false, err
	}
	if existing, ok := r.replicas[key]; ok {
		r.mu.Unlock()
		if existing.owner.UID != owner.UID {
			return false, fmt.Errorf("replica %s: %w", key, workload.ErrNotOwned)
		}
		return false, nil
	}
	labels := maps.Clone(spec.Template.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, owner.Labels)
	maps.Copy(labels, r.labels)
	uid := string(uuid.NewUUID())
	rep := &replica{
		owner:    owner,
		name:     spec.Name,
		uid:      uid,
		template: *spec.Template.DeepCopy(),
		dir:      filepath.Join(r.dir, "replicas", owner.Namespace, spec.Name+"-"+uid),
		stopped:  make(chan struct{}),
		done:     make(chan struct{}),
		status: workload.ReplicaStatus{
			Name:   spec.Name,
			UID:    uid,
			Labels: labels,
			Phase:  workload.PhasePending,
		},
	}
	rep.template.Labels = labels
	r.replicas[key] = rep
	env := r.serviceHostsLocked(owner)
	r.mu.Unlock()

	r.warnImageIgnored(owner, &rep.template)
	r.keep(rep, owner.UID)
	r.start(rep, env)
	r.notify(owner)
	return true, nil
}

// serviceHostsLocked returns owner's services, which its replicas reach
// on 127.0.0.1.
func (r *Runtime) serviceHostsLocked(owner workload.Owner) []localService {
	var out []localService
	for key, s := range r.services {
		if key.Namespace == owner.Namespace && s.ownerUID == string(owner.UID) {
			ls := localService{name: key.Name, ports: s.hostPorts}
			if s.spec.Headless {
				ls.hostPort = func(host string, p int32) (int, bool) { return r.hostPort(s, host, p) }
			}
			out = append(out, ls)
		}
	}
	return out
}

// DeleteReplica stops the replica (SIGTERM, then SIGKILL after its grace
// period) and forgets it.
func (r *Runtime) DeleteReplica(ctx context.Context, owner workload.Owner, name, uid string) error {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: name}
	r.mu.Lock()
	rep, ok := r.replicas[key]
	if !ok || rep.owner.UID != owner.UID || (uid != "" && rep.uid != uid) {
		r.mu.Unlock()
		return nil
	}
	if rep.status.Terminating {
		r.mu.Unlock()
		return nil
	}
	rep.status.Terminating = true
	grace := r.gracePeriod(rep.template.Spec.TerminationGracePeriodSeconds)
	r.mu.Unlock()
	r.notify(owner)

	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		rep.stop(grace)
		r.removeReplicaDir(rep)
		r.mu.Lock()
		if r.replicas[key] == rep {
			delete(r.replicas, key)
		}
		r.mu.Unlock()
		r.notify(owner)
	}()
	return nil
}

func (r *Runtime) gracePeriod(seconds *int64) time.Duration {
	grace := defaultGracePeriod
	if seconds != nil {
		grace = time.Duration(*seconds) * time.Second
	}
	if r.maxGracePeriod > 0 && grace > r.maxGracePeriod {
		grace = r.maxGracePeriod
	}
	return grace
}

// ListReplicas returns owner's replicas, sorted by name.
func (r *Runtime) ListReplicas(owner workload.Owner) ([]workload.ReplicaStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []workload.ReplicaStatus
	for key, rep := range r.replicas {
		if key.Namespace != owner.Namespace || rep.owner.UID != owner.UID {
			continue
		}
		s := rep.status
		s.Labels = maps.Clone(s.Labels)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b workload.ReplicaStatus) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// EnsureService records the service: its name resolves to 127.0.0.1 in
// the environment of the owner's replicas.
func (r *Runtime) EnsureService(ctx context.Context, owner workload.Owner, spec workload.ServiceSpec) (bool, error) {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: spec.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.forgottenLocked(owner); err != nil {
		return false, err
	}
	if s, ok := r.services[key]; ok {
		if s.ownerUID != string(owner.UID) {
			return false, fmt.Errorf("service %s: %w", key, workload.ErrNotOwned)
		}
		return false, nil
	}
	svc := &service{ownerUID: string(owner.UID), spec: spec, hostPorts: map[int32]int{}, replicaPorts: map[string]map[int32]int{}}
	if spec.Headless {
		// Known before its ports are given, so that no two are the same.
		r.services[key] = svc
		for _, p := range spec.Ports {
			if hp := r.freePortLocked(); hp != 0 {
				svc.hostPorts[p.Port] = hp
			}
		}
	} else {
		for _, p := range spec.Ports {
			px, err := r.newProxy(owner, spec, p)
			if err != nil {
				svc.close()
				return false, fmt.Errorf("service %s: %w", key, err)
			}
			svc.proxies = append(svc.proxies, px)
		}
	}
	r.services[key] = svc
	return true, nil
}

// ForgetOwner stops every replica of owner and forgets its services: what
// the garbage collector does for Kubernetes children once their owner is
// deleted.
func (r *Runtime) ForgetOwner(ctx context.Context, owner workload.Owner) {
	r.mu.Lock()
	now := r.clock.Now()
	for uid, at := range r.forgotten {
		if now.Sub(at) > forgottenFor {
			delete(r.forgotten, uid)
		}
	}
	r.forgotten[owner.UID] = now
	var names []cache.ObjectName
	for key, rep := range r.replicas {
		if rep.owner.UID == owner.UID {
			names = append(names, key)
		}
	}
	for key, s := range r.services {
		if s.ownerUID == string(owner.UID) {
			s.close()
			delete(r.services, key)
		}
	}
	var sets []string
	for key, set := range r.sets {
		if set.owner.UID == owner.UID {
			sets = append(sets, key.Name)
		}
	}
	var volumeDirs []string
	for key, v := range r.volumes {
		if v.ownerUID == string(owner.UID) {
			volumeDirs = append(volumeDirs, v.dir)
			delete(r.volumes, key)
		}
	}
	// The credentials given to its processes go with them.
	if dir, err := r.credentialsDir(owner.UID); err == nil {
		volumeDirs = append(volumeDirs, dir)
	}
	r.mu.Unlock()
	for _, key := range names {
		_ = r.DeleteReplica(ctx, owner, key.Name, "")
	}
	for _, name := range sets {
		_ = r.DeleteServedSet(ctx, owner, name, "")
	}
	// Volumes and credentials go once the replicas that may use them are
	// gone.
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.waitOwnerStopped(owner)
		for _, dir := range volumeDirs {
			if err := os.RemoveAll(dir); err != nil {
				klog.ErrorS(err, "Remove a directory of a deleted owner", "dir", dir)
			}
		}
	}()
}

// forgottenFor is how long the runtime refuses children of a forgotten
// owner: longer than any sync that started before the deletion.
const forgottenFor = time.Hour

// errOwnerGone is wrapped by the errors about children of an owner that
// ForgetOwner let go.
var errOwnerGone = errors.New("its owner was deleted")

// forgottenLocked is an error when owner was forgotten.
func (r *Runtime) forgottenLocked(owner workload.Owner) error {
	if _, ok := r.forgotten[owner.UID]; ok {
		return fmt.Errorf("child of %s %s/%s: %w", owner.Kind.Kind, owner.Namespace, owner.Name, errOwnerGone)
	}
	return nil
}

// waitOwnerStopped waits until no replica of owner runs.
func (r *Runtime) waitOwnerStopped(owner workload.Owner) {
	for {
		r.mu.Lock()
		var waiting []*replica
		for _, rep := range r.replicas {
			if rep.owner.UID == owner.UID {
				waiting = append(waiting, rep)
			}
		}
		r.mu.Unlock()
		if len(waiting) == 0 {
			return
		}
		for _, rep := range waiting {
			<-rep.done
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Shutdown stops every replica within ctx's time, then kills what is left.
func (r *Runtime) Shutdown(ctx context.Context) {
	r.mu.Lock()
	reps := slices.Collect(maps.Values(r.replicas))
	for _, set := range r.sets {
		reps = append(reps, slices.Collect(maps.Values(set.replicas))...)
	}
	for _, svc := range r.services {
		svc.close()
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, rep := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grace := r.gracePeriod(rep.template.Spec.TerminationGracePeriodSeconds)
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < grace {
				grace = max(time.Until(deadline), 0)
			}
			rep.stop(grace)
		}()
	}
	wg.Wait()
	r.wg.Wait()
}

// now is the runtime's time as an API time.
func (r *Runtime) now() *metav1.Time {
	t := metav1.NewTime(r.clock.Now())
	return &t
}

// mainContainer is the container a replica runs.
func mainContainer(t *corev1.PodTemplateSpec) (*corev1.Container, error) {
	if len(t.Spec.Containers) == 0 {
		return nil, fmt.Errorf("the template has no container")
	}
	return &t.Spec.Containers[0], nil
}
