package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/workload"
)

var _ workload.ServingRuntime = &Runtime{}

// servedSet keeps Replicas processes of one template running. Its
// replicas are named <set>-<ordinal>; each listens on a port of its own,
// given in PORT. It is guarded by the runtime's mutex.
type servedSet struct {
	owner    workload.Owner
	uid      string
	spec     workload.ServedSetSpec
	hash     string
	replicas map[int]*replica
	// hashes are the template hashes the replicas run.
	hashes map[*replica]string
}

// volume is a directory that outlives the replicas mounting it.
type volume struct {
	ownerUID string
	uid      string
	dir      string
}

// copySetSpec copies spec so the runtime can keep it.
func copySetSpec(spec workload.ServedSetSpec) workload.ServedSetSpec {
	spec.Labels = maps.Clone(spec.Labels)
	spec.Selector = maps.Clone(spec.Selector)
	spec.Template = *spec.Template.DeepCopy()
	return spec
}

// templateHash identifies what a set's replicas run.
func templateHash(t *corev1.PodTemplateSpec) string {
	data, _ := json.Marshal(t)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// EnsureServedSet creates the set or brings its replica count and
// template up to date: extra replicas (highest ordinals first) are stopped,
// missing ones started, and replicas of an older template replaced.
func (r *Runtime) EnsureServedSet(ctx context.Context, owner workload.Owner, spec workload.ServedSetSpec) (workload.SetChange, error) {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: spec.Name}
	spec = copySetSpec(spec)
	spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	hash := templateHash(&spec.Template)
	r.mu.Lock()
	if err := r.forgottenLocked(owner); err != nil {
		r.mu.Unlock()
		return workload.SetUnchanged, err
	}
	set, ok := r.sets[key]
	change := workload.SetUnchanged
	switch {
	case ok && set.owner.UID != owner.UID:
		r.mu.Unlock()
		return workload.SetUnchanged, fmt.Errorf("set %s: %w", key, workload.ErrNotOwned)
	case !ok:
		set = &servedSet{owner: owner, uid: string(uuid.NewUUID()), replicas: map[int]*replica{}, hashes: map[*replica]string{}}
		r.sets[key] = set
		change = workload.SetCreated
	case set.hash != hash || set.spec.Replicas != spec.Replicas || !maps.Equal(set.spec.Labels, spec.Labels):
		change = workload.SetUpdated
	}
	set.spec, set.hash = spec, hash
	start, stop := r.planSetLocked(set)
	hosts := r.serviceHostsLocked(owner)
	r.mu.Unlock()

	if change == workload.SetCreated {
		r.warnImageIgnored(owner, &spec.Template)
	}
	r.applySet(set, start, stop, hosts)
	if change != workload.SetUnchanged || len(start) > 0 || len(stop) > 0 {
		r.notify(owner)
	}
	return change, nil
}

// planSetLocked decides which replicas of set to start and stop, and
// records the started ones.
func (r *Runtime) planSetLocked(set *servedSet) (start, stop []*replica) {
	for ordinal, rep := range set.replicas {
		if ordinal >= int(set.spec.Replicas) || set.hashes[rep] != set.hash {
			stop = append(stop, rep)
			delete(set.replicas, ordinal)
			delete(set.hashes, rep)
		}
	}
	// Highest ordinals stop first.
	slices.SortFunc(stop, func(a, b *replica) int { return ordinalOf(b) - ordinalOf(a) })
	for ordinal := range int(set.spec.Replicas) {
		if _, ok := set.replicas[ordinal]; ok {
			continue
		}
		rep := r.newSetReplicaLocked(set, ordinal)
		set.replicas[ordinal] = rep
		set.hashes[rep] = set.hash
		start = append(start, rep)
	}
	return start, stop
}

func ordinalOf(rep *replica) int {
	i := len(rep.name) - 1
	for i >= 0 && rep.name[i] >= '0' && rep.name[i] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(rep.name[i+1:])
	return n
}

// newSetReplicaLocked makes (but does not start) replica ordinal of set.
func (r *Runtime) newSetReplicaLocked(set *servedSet, ordinal int) *replica {
	name := set.spec.Name + "-" + strconv.Itoa(ordinal)
	uid := string(uuid.NewUUID())
	lbls := maps.Clone(set.spec.Template.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	maps.Copy(lbls, set.owner.Labels)
	maps.Copy(lbls, r.labels)
	rep := &replica{
		owner:    set.owner,
		name:     name,
		uid:      uid,
		template: *set.spec.Template.DeepCopy(),
		dir:      filepath.Join(r.dir, "replicas", set.owner.Namespace, name+"-"+uid),
		port:     r.freePortLocked(),
		stopped:  make(chan struct{}),
		done:     make(chan struct{}),
		status: workload.ReplicaStatus{
			Name: name, UID: uid, Labels: lbls, Phase: workload.PhasePending,
		},
	}
	rep.template.Labels = lbls
	rep.workDir = r.volumeDirLocked(set.owner, &rep.template)
	return rep
}

// volumeDirLocked is the directory of the first volume of the owner's
// that the template's main container mounts, "" for none.
func (r *Runtime) volumeDirLocked(owner workload.Owner, t *corev1.PodTemplateSpec) string {
	if len(t.Spec.Containers) == 0 {
		return ""
	}
	claims := map[string]string{}
	for _, v := range t.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	for _, m := range t.Spec.Containers[0].VolumeMounts {
		claim, ok := claims[m.Name]
		if !ok {
			continue
		}
		if v, ok := r.volumes[cache.ObjectName{Namespace: owner.Namespace, Name: claim}]; ok && v.ownerUID == string(owner.UID) {
			return filepath.Join(v.dir, m.SubPath)
		}
	}
	return ""
}

// applySet stops and starts replicas of set. Replicas of a stable set
// that take an ordinal of a stopping one start once it stopped.
func (r *Runtime) applySet(set *servedSet, start, stop []*replica, hosts []localService) {
	stopping := map[int]chan struct{}{}
	for _, rep := range stop {
		done := make(chan struct{})
		stopping[ordinalOf(rep)] = done
		grace := r.gracePeriod(rep.template.Spec.TerminationGracePeriodSeconds)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer close(done)
			r.mu.Lock()
			r.removing[rep] = types.UID(set.uid)
			r.mu.Unlock()
			rep.stop(grace)
			r.removeReplicaDir(rep)
			r.mu.Lock()
			delete(r.removing, rep)
			r.mu.Unlock()
			r.notify(rep.owner)
		}()
	}
	for _, rep := range start {
		wait := stopping[ordinalOf(rep)]
		r.keep(rep, types.UID(set.uid))
		if !set.spec.Stable || wait == nil {
			r.start(rep, hosts)
			continue
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			<-wait
			r.start(rep, hosts)
			r.notify(rep.owner)
		}()
	}
}

// freePort is a port on 127.0.0.1 that nothing listens on now.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DeleteServedSet stops the set's replicas and forgets it.
func (r *Runtime) DeleteServedSet(ctx context.Context, owner workload.Owner, name, uid string) error {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: name}
	r.mu.Lock()
	set, ok := r.sets[key]
	if !ok || set.owner.UID != owner.UID || (uid != "" && set.uid != uid) {
		r.mu.Unlock()
		return nil
	}
	delete(r.sets, key)
	stop := slices.Collect(maps.Values(set.replicas))
	set.replicas = map[int]*replica{}
	r.mu.Unlock()
	r.applySet(set, nil, stop, nil)
	r.notify(owner)
	return nil
}

// ListServedSets returns owner's sets, sorted by name.
func (r *Runtime) ListServedSets(owner workload.Owner) ([]workload.ServedSetStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []workload.ServedSetStatus
	for key, set := range r.sets {
		if key.Namespace != owner.Namespace || set.owner.UID != owner.UID {
			continue
		}
		out = append(out, set.statusLocked())
	}
	slices.SortFunc(out, func(a, b workload.ServedSetStatus) int { return compareStrings(a.Name, b.Name) })
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// statusLocked counts the set's replicas as a Deployment's or a
// StatefulSet's status would.
func (set *servedSet) statusLocked() workload.ServedSetStatus {
	s := workload.ServedSetStatus{
		Name:     set.spec.Name,
		UID:      set.uid,
		Labels:   set.spec.Labels,
		Replicas: set.spec.Replicas,
		Observed: true,
	}
	for _, rep := range set.replicas {
		s.CurrentReplicas++
		if set.hashes[rep] == set.hash {
			s.UpdatedReplicas++
		}
		if rep.status.Ready {
			s.ReadyReplicas++
			s.AvailableReplicas++
		}
		switch {
		case rep.status.Reason == "CreateContainerConfigError" || rep.status.Reason == workload.ReasonStartError || rep.status.Reason == workload.ReasonPullError:
			s.Failed, s.Reason, s.Message = true, rep.status.Reason, rep.status.Cause()
		case !s.Failed && rep.status.Phase == workload.PhasePending && rep.status.Reason == workload.ReasonWaitingForProcessSlot:
			// Not a failure: it starts once a process ends.
			s.Reason, s.Message = rep.status.Reason, rep.status.Message
		case !s.Failed && !rep.status.Ready && rep.status.Reason == workload.ReasonCrashLoopBackOff:
			// Not a failure either, as for a Deployment: it restarts;
			// but the reason it exited is what the owner's user needs.
			s.Reason, s.Message = rep.status.Reason, rep.status.Message
		}
	}
	if set.spec.Stable {
		s.Available = s.AvailableReplicas >= s.Replicas
	} else {
		// A Deployment is available with at most its default max
		// unavailable (25%, rounded down) missing.
		s.Available = s.AvailableReplicas >= s.Replicas-s.Replicas/4
	}
	return s
}

// SetReplicas returns the replicas of the set name of owner (for logs),
// sorted by name.
func (r *Runtime) SetReplicas(owner workload.Owner, name string) []workload.ReplicaStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	set, ok := r.sets[cache.ObjectName{Namespace: owner.Namespace, Name: name}]
	if !ok || set.owner.UID != owner.UID {
		return nil
	}
	var out []workload.ReplicaStatus
	for _, rep := range set.replicas {
		out = append(out, rep.status)
	}
	slices.SortFunc(out, func(a, b workload.ReplicaStatus) int { return compareStrings(a.Name, b.Name) })
	return out
}

// EnsureVolume makes the volume's directory unless it exists. A volume
// directory of the same name left by an earlier run of the server is
// taken over with its contents.
func (r *Runtime) EnsureVolume(ctx context.Context, owner workload.Owner, spec workload.VolumeSpec) (bool, error) {
	key := cache.ObjectName{Namespace: owner.Namespace, Name: spec.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.forgottenLocked(owner); err != nil {
		return false, err
	}
	if v, ok := r.volumes[key]; ok {
		if v.ownerUID != string(owner.UID) {
			return false, fmt.Errorf("volume %s: %w", key, workload.ErrNotOwned)
		}
		return false, nil
	}
	dir := filepath.Join(r.dir, "volumes", owner.Namespace, spec.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("volume %s: %w", key, err)
	}
	r.volumes[key] = &volume{ownerUID: string(owner.UID), uid: string(uuid.NewUUID()), dir: dir}
	return true, nil
}

// ListVolumes returns owner's volumes, sorted by name; they are bound as
// soon as they exist.
func (r *Runtime) ListVolumes(owner workload.Owner) ([]workload.VolumeStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []workload.VolumeStatus
	for key, v := range r.volumes {
		if key.Namespace == owner.Namespace && v.ownerUID == string(owner.UID) {
			out = append(out, workload.VolumeStatus{Name: key.Name, UID: v.uid, Phase: workload.VolumeBound})
		}
	}
	slices.SortFunc(out, func(a, b workload.VolumeStatus) int { return compareStrings(a.Name, b.Name) })
	return out, nil
}

// selected says whether a replica's labels match a service selector.
func selected(selector map[string]string, rep *replica) bool {
	return len(selector) > 0 && labels.SelectorFromSet(selector).Matches(labels.Set(rep.status.Labels))
}
