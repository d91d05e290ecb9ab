package local

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// Files that keep a replica's log findable across a restart of the
// server: its record (who it belongs to, as the log subresource names it)
// and, once its log is in the archive, an empty marker.
const (
	recordFile   = "replica.json"
	archivedFile = "archived"
)

// replicaRecord is what a replica's directory says of it, so that a
// runtime started after a restart can serve and archive the log of a
// replica an earlier runtime ran. It is written by the server into the
// replica's directory, which the replica's process cannot write.
type replicaRecord struct {
	OwnerAPIVersion string    `json:"ownerAPIVersion"`
	OwnerKind       string    `json:"ownerKind"`
	Namespace       string    `json:"namespace"`
	OwnerName       string    `json:"ownerName"`
	OwnerUID        types.UID `json:"ownerUID"`
	Name            string    `json:"name"`
	UID             string    `json:"uid"`
	// ControllerUID is the owner's, or the served set's.
	ControllerUID types.UID         `json:"controllerUID"`
	Labels        map[string]string `json:"labels,omitempty"`
	Container     string            `json:"container"`
}

// keep records rep in its directory and has its log archived once its
// last process ended (see ArchiveLogs). controller is the UID of what
// controls it: its owner, or its served set.
func (r *Runtime) keep(rep *replica, controller types.UID) {
	r.mu.Lock()
	rec := replicaRecord{
		OwnerAPIVersion: rep.owner.Kind.GroupVersion().String(),
		OwnerKind:       rep.owner.Kind.Kind,
		Namespace:       rep.owner.Namespace,
		OwnerName:       rep.owner.Name,
		OwnerUID:        rep.owner.UID,
		Name:            rep.name,
		UID:             rep.uid,
		ControllerUID:   controller,
		Labels:          rep.status.Labels,
		Container:       containerName(&rep.template),
	}
	data, err := json.Marshal(rec)
	r.mu.Unlock()
	if err == nil {
		if err = os.MkdirAll(rep.dir, 0o700); err == nil {
			err = os.WriteFile(filepath.Join(rep.dir, recordFile), data, 0o600)
		}
	}
	if err != nil {
		klog.ErrorS(err, "Record a replica: its log is not kept across a restart of the server", "replica", klog.KRef(rep.owner.Namespace, rep.name))
	}
	go func() {
		<-rep.done
		r.enqueueArchive(rep)
	}()
}

// containerName is the name the log subresource gives the replica's one
// container.
func containerName(t *corev1.PodTemplateSpec) string {
	if c, err := mainContainer(t); err == nil && c.Name != "" {
		return c.Name
	}
	return "main"
}

// loadLeftover returns the replica an earlier runtime ran in dir, as a
// finished replica whose log can be read, or nil when dir says nothing of
// it (no record) or its log is archived already.
func loadLeftover(dir string, limits LogLimits) (*replica, types.UID, error) {
	if _, err := os.Stat(filepath.Join(dir, archivedFile)); err == nil {
		return nil, "", nil
	}
	data, err := os.ReadFile(filepath.Join(dir, recordFile))
	if os.IsNotExist(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var rec replicaRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, "", fmt.Errorf("%s: %w", recordFile, err)
	}
	gv, err := schema.ParseGroupVersion(rec.OwnerAPIVersion)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", recordFile, err)
	}
	files, err := loadLogFiles(dir, limits)
	if err != nil || files == nil {
		// It never wrote a log: nothing to keep.
		return nil, "", err
	}
	done := make(chan struct{})
	close(done)
	rep := &replica{
		owner: workload.Owner{
			Kind:      gv.WithKind(rec.OwnerKind),
			Namespace: rec.Namespace,
			Name:      rec.OwnerName,
			UID:       rec.OwnerUID,
		},
		name: rec.Name,
		uid:  rec.UID,
		dir:  dir,
		template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: rec.Container}},
		}},
		stopped:  done,
		done:     done,
		stopping: true,
		log:      files,
		status: workload.ReplicaStatus{
			Name:    rec.Name,
			UID:     rec.UID,
			Labels:  rec.Labels,
			Phase:   workload.PhaseFailed,
			Reason:  "ServerRestarted",
			Message: "the server that ran it stopped",
		},
	}
	return rep, rec.ControllerUID, nil
}

// loadLogFiles returns the log files a replica left in dir: the rotated
// ones and the live one, as logFiles that only read; nil when there are
// none.
func loadLogFiles(dir string, limits LogLimits) (*logFiles, error) {
	l := newLogFiles(dir, limits)
	rotated, err := filepath.Glob(LogPath(dir) + ".*")
	if err != nil {
		return nil, err
	}
	for _, f := range rotated {
		base, err := strconv.ParseInt(strings.TrimPrefix(filepath.Base(f), logFile+"."), 10, 64)
		if err != nil {
			continue
		}
		l.rotated = append(l.rotated, base)
	}
	slices.Sort(l.rotated)
	if n := len(l.rotated); n > 0 {
		fi, err := os.Stat(l.rotatedPath(l.rotated[n-1]))
		if err != nil {
			return nil, err
		}
		l.base = l.rotated[n-1] + fi.Size()
	}
	fi, err := os.Stat(LogPath(dir))
	switch {
	case err == nil:
		l.size = fi.Size()
	case os.IsNotExist(err) && len(l.rotated) > 0:
		// Between the two steps of a rotation: the live file was renamed
		// and not made again. An empty one reads as the end.
		if err := os.WriteFile(LogPath(dir), nil, 0o600); err != nil {
			return nil, err
		}
	case os.IsNotExist(err):
		return nil, nil
	default:
		return nil, err
	}
	return l, nil
}
