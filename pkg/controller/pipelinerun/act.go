package pipelinerun

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// act carries out a plan on the runtime: deletions, then creations (many
// at once, for wide fan-outs). It emits one event per kind of change and
// returns the errors; a failed action does not stop the others. A pod
// that could not be created is created again by a later sync, which finds
// its attempt running without a pod.
func (c *Controller) act(ctx context.Context, run *mlv1alpha1.PipelineRun, owner workload.Owner, res *plan.Result) []error {
	var errs []error
	deleted := map[string][]string{}
	for _, d := range res.Delete {
		if err := c.runtime.DeleteReplica(ctx, owner, d.PodName, d.UID); err != nil {
			errs = append(errs, err)
			c.recorder.Eventf(run, corev1.EventTypeWarning, EventFailedDelete, "Error deleting pod %s: %v", d.PodName, err)
			continue
		}
		deleted[d.Why] = append(deleted[d.Why], d.PodName)
	}
	for _, why := range slices.Sorted(maps.Keys(deleted)) {
		c.recorder.Eventf(run, corev1.EventTypeNormal, EventSuccessfulDelete, "Deleted %s: %s", podList(deleted[why]), why)
	}

	var mu sync.Mutex
	var created []string
	createErrs := make([]error, len(res.Create))
	workqueue.ParallelizeUntil(ctx, DefaultCreateParallelism, len(res.Create), func(i int) {
		spec := replicaSpec(run, res.Create[i])
		ok, err := c.runtime.EnsureReplica(ctx, owner, spec)
		if err != nil {
			createErrs[i] = err
			return
		}
		if ok {
			mu.Lock()
			created = append(created, spec.Name)
			mu.Unlock()
		}
	})
	failed := 0
	for i, err := range createErrs {
		if err == nil {
			continue
		}
		if refused(err) {
			// Creating it again would fail the same way: the next sync
			// sees the attempt as failed, and retries apply.
			c.createFailures.add(cache.ObjectName{Namespace: run.Namespace, Name: run.Name}, res.Create[i].PodName, err)
		}
		errs = append(errs, err)
		// One event for the first failure is enough to tell why.
		if failed == 0 {
			c.recorder.Eventf(run, corev1.EventTypeWarning, EventFailedCreate, "Error creating pod %s: %v", res.Create[i].PodName, err)
		}
		failed++
	}
	if len(created) > 0 {
		slices.Sort(created)
		c.recorder.Eventf(run, corev1.EventTypeNormal, EventSuccessfulCreate, "Created %s", podList(created))
	}
	return errs
}

// maxEventNames is how many pod names an event lists.
const maxEventNames = 5

// podList names pods in an event: "pod a", "pods a, b" or, for many,
// "12 pods: a, b, c, d, e and 7 more".
func podList(names []string) string {
	switch {
	case len(names) == 1:
		return "pod " + names[0]
	case len(names) <= maxEventNames:
		return "pods " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%d pods: %s and %d more", len(names), strings.Join(names[:maxEventNames], ", "), len(names)-maxEventNames)
}

// refused says whether the API refused a pod for what it is (invalid, or
// forbidden by a policy or quota), rather than failing to store it. A pod
// refused because its ServiceAccount does not exist yet is not refused for
// what it is: a namespace's "default" ServiceAccount appears a moment
// after the namespace (kube-controller-manager makes it), and a named one
// may be created after the run, so the controller creates the pod again
// with backoff, as the Job controller does.
func refused(err error) bool {
	if apierrors.IsForbidden(err) && serviceAccountMissing(err) {
		return false
	}
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err)
}

// serviceAccountMissing says whether err is the ServiceAccount admission
// plugin's refusal of a pod whose ServiceAccount it cannot find. The
// plugin gives the refusal no cause, only this message.
func serviceAccountMissing(err error) bool {
	return strings.Contains(err.Error(), "error looking up service account")
}

// createFailures remembers, per run, the pods whose creation was refused.
type createFailures struct {
	mu    sync.Mutex
	byRun map[cache.ObjectName]map[string]string
}

func (f *createFailures) add(run cache.ObjectName, pod string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byRun == nil {
		f.byRun = map[cache.ObjectName]map[string]string{}
	}
	if f.byRun[run] == nil {
		f.byRun[run] = map[string]string{}
	}
	f.byRun[run][pod] = err.Error()
}

// take returns and forgets the refused pods of run, as failed replicas.
func (f *createFailures) take(run cache.ObjectName) []workload.ReplicaStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []workload.ReplicaStatus
	for pod, msg := range f.byRun[run] {
		out = append(out, workload.ReplicaStatus{Name: pod, Phase: workload.PhaseFailed, Reason: ReasonCreateRefused, Message: msg})
	}
	delete(f.byRun, run)
	return out
}
