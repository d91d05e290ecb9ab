package local

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// LogSource serves the logs of the runtime's replicas to the log
// subresource, as kube-apiserver's pods/log does for pods: each replica is
// a pod with one container.
type LogSource struct {
	r *Runtime
}

var _ workload.LogSource = &LogSource{}

// LogSource returns the log source of the runtime's replicas.
func (r *Runtime) LogSource() workload.LogSource { return &LogSource{r: r} }

// allReplicasLocked are the one-off replicas and those of served sets,
// with the UID of what controls each (the owner, or the set); then the
// replicas of sets being removed, and the leftovers of an earlier runtime
// whose logs are not archived yet, but those whose name a replica of now
// took.
func (r *Runtime) allReplicasLocked() map[*replica]types.UID {
	out := map[*replica]types.UID{}
	for _, rep := range r.replicas {
		out[rep] = rep.owner.UID
	}
	for _, set := range r.sets {
		for _, rep := range set.replicas {
			out[rep] = types.UID(set.uid)
		}
	}
	named := map[cache.ObjectName]bool{}
	for rep := range out {
		named[cache.ObjectName{Namespace: rep.owner.Namespace, Name: rep.name}] = true
	}
	for _, gone := range []map[*replica]types.UID{r.removing, r.leftovers} {
		for rep, controller := range gone {
			if !named[cache.ObjectName{Namespace: rep.owner.Namespace, Name: rep.name}] {
				out[rep] = controller
			}
		}
	}
	return out
}

func (r *Runtime) podLocked(rep *replica, controller types.UID) workload.Pod {
	name := "main"
	if c, err := mainContainer(&rep.template); err == nil && c.Name != "" {
		name = c.Name
	}
	return workload.Pod{
		Name:          rep.name,
		UID:           types.UID(rep.uid),
		Labels:        rep.status.Labels,
		ControllerUID: controller,
		Containers:    []string{name},
		Restarts:      map[string]int32{name: rep.status.Restarts},
		Finished:      rep.status.Finished(),
	}
}

// ListPods returns the replicas of namespace that selector selects.
func (s *LogSource) ListPods(ctx context.Context, namespace string, selector labels.Selector) ([]workload.Pod, error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	var out []workload.Pod
	for rep, controller := range s.r.allReplicasLocked() {
		if rep.owner.Namespace == namespace && selector.Matches(labels.Set(rep.status.Labels)) {
			out = append(out, s.r.podLocked(rep, controller))
		}
	}
	slices.SortFunc(out, func(a, b workload.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// GetPod returns the replica name of namespace.
func (s *LogSource) GetPod(ctx context.Context, namespace, name string) (*workload.Pod, error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	rep, controller := s.r.findLocked(namespace, name)
	if rep == nil {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	p := s.r.podLocked(rep, controller)
	return &p, nil
}

// findLocked returns the replica name of namespace: a leftover only when
// no replica being removed has the name.
func (r *Runtime) findLocked(namespace, name string) (*replica, types.UID) {
	var found *replica
	var uid types.UID
	for rep, controller := range r.allReplicasLocked() {
		if rep.owner.Namespace != namespace || rep.name != name {
			continue
		}
		if _, leftover := r.leftovers[rep]; found == nil || !leftover {
			found, uid = rep, controller
		}
	}
	return found, uid
}

// followPoll is how often a followed log is checked for new lines.
const followPoll = 100 * time.Millisecond

// Stream reads the replica's log file: the lines of its current run (or,
// with Previous, of the run before it), filtered as pods/log filters them.
// With Follow it keeps reading until the replica's process ends or ctx is
// done.
func (s *LogSource) Stream(ctx context.Context, namespace, name string, o workload.PodLogOptions) (io.ReadCloser, error) {
	s.r.mu.Lock()
	rep, _ := s.r.findLocked(namespace, name)
	var from, to int64 = 0, -1
	var files *logFiles
	if rep != nil {
		files = rep.log
		runs := rep.runOffsets
		switch {
		case o.Previous && len(runs) < 2:
			s.r.mu.Unlock()
			return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container in replica %q not found", name))
		case o.Previous:
			from, to = runs[len(runs)-2], runs[len(runs)-1]
		case len(runs) > 0:
			from = runs[len(runs)-1]
		}
	}
	s.r.mu.Unlock()
	if rep == nil {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	if files == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("replica %q has no log yet", name))
	}
	// Across rotations: from the run's first line still kept.
	f := files.reader(from, to)
	var since time.Time
	if o.SinceSeconds != nil {
		since = time.Now().Add(-time.Duration(*o.SinceSeconds) * time.Second)
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		err := copyLog(ctx, pw, f, rep, o, since, o.Follow && to < 0)
		_ = pw.CloseWithError(err)
	}()
	return pr, nil
}

// copyLog writes the lines of src to w as pods/log does: the tail, the
// lines since a time, with or without their timestamps, at most a number
// of bytes; following new lines while follow holds and the replica runs.
func copyLog(ctx context.Context, w io.Writer, src io.Reader, rep *replica, o workload.PodLogOptions, since time.Time, follow bool) error {
	br := bufio.NewReader(src)
	var written int64
	limit := int64(-1)
	if o.LimitBytes != nil {
		limit = *o.LimitBytes
	}
	emit := func(line string) (bool, error) {
		t, text, ok := parseCRILine(line)
		if !ok || (!since.IsZero() && t.Before(since)) {
			return true, nil
		}
		out := text + "\n"
		if o.Timestamps {
			out = t.UTC().Format(time.RFC3339Nano) + " " + out
		}
		if limit >= 0 && written+int64(len(out)) > limit {
			out = out[:limit-written]
		}
		n, err := io.WriteString(w, out)
		written += int64(n)
		return err == nil && (limit < 0 || written < limit), err
	}
	// The existing lines first: all of them, or the tail.
	var tail []string
	var partial bytes.Buffer
	readLine := func() (string, bool, error) {
		chunk, err := br.ReadString('\n')
		partial.WriteString(chunk)
		if err != nil {
			return "", false, err
		}
		line := strings.TrimSuffix(partial.String(), "\n")
		partial.Reset()
		return line, true, nil
	}
	for {
		line, ok, err := readLine()
		if !ok {
			if err != io.EOF {
				return err
			}
			break
		}
		if o.TailLines != nil {
			tail = append(tail, line)
			if int64(len(tail)) > *o.TailLines {
				tail = tail[1:]
			}
			continue
		}
		if more, err := emit(line); !more || err != nil {
			return err
		}
	}
	for _, line := range tail {
		if more, err := emit(line); !more || err != nil {
			return err
		}
	}
	if !follow {
		return nil
	}
	for {
		line, ok, err := readLine()
		if ok {
			if more, err := emit(line); !more || err != nil {
				return err
			}
			continue
		}
		if err != io.EOF {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-rep.done:
			// Lines written before the end are all in the file now.
			for {
				line, ok, _ := readLine()
				if !ok {
					return nil
				}
				if more, err := emit(line); !more || err != nil {
					return err
				}
			}
		case <-time.After(followPoll):
		}
	}
}
