package trainingjob

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// act carries out the decisions of a sync on the runtime: the Service,
// then deletions, then creations. It records what succeeded in s, emits
// one event per kind of change, and returns the errors; a failed action
// does not stop the others.
func (c *Controller) act(ctx context.Context, s *syncState, owner workload.Owner) []error {
	var errs []error
	var createdNames []string
	if s.ensureService {
		svc := headlessService(s.job)
		created, err := c.runtime.EnsureService(ctx, owner, svc)
		switch {
		case err != nil:
			errs = append(errs, err)
			c.recorder.Eventf(s.job, corev1.EventTypeWarning, EventFailedCreate, "Error creating Service %s: %v", svc.Name, err)
		case created:
			createdNames = append(createdNames, "Service "+svc.Name)
		}
	}

	deleted := map[string][]string{}
	for _, d := range s.deletes {
		if err := c.runtime.DeleteReplica(ctx, owner, d.replica.Name, d.replica.UID); err != nil {
			errs = append(errs, err)
			c.recorder.Eventf(s.job, corev1.EventTypeWarning, EventFailedDelete, "Error deleting pod %s: %v", d.replica.Name, err)
			continue
		}
		s.deleted.Insert(d.replica.UID)
		deleted[d.why] = append(deleted[d.why], d.replica.Name)
	}
	for _, why := range slices.Sorted(maps.Keys(deleted)) {
		c.recorder.Eventf(s.job, corev1.EventTypeNormal, EventSuccessfulDelete, "Deleted %s: %s", pods(deleted[why]), why)
	}

	var pending []string
	for _, i := range s.creates {
		spec := replicaSpec(s.job, i)
		created, err := c.runtime.EnsureReplica(ctx, owner, spec)
		if err != nil {
			errs = append(errs, err)
			c.recorder.Eventf(s.job, corev1.EventTypeWarning, EventFailedCreate, "Error creating pod %s: %v", spec.Name, err)
			continue
		}
		s.created.Insert(i)
		if created {
			pending = append(pending, spec.Name)
		}
	}
	if len(pending) > 0 {
		createdNames = append(createdNames, pods(pending))
	}
	if len(createdNames) > 0 {
		c.recorder.Eventf(s.job, corev1.EventTypeNormal, EventSuccessfulCreate, "Created %s", strings.Join(createdNames, " and "))
	}
	if len(errs) > 0 {
		klog.FromContext(ctx).V(2).Info("Some actions failed", "errors", len(errs))
	}
	return errs
}

// pods names pods in an event: "pod a-0" or "pods a-0, a-1".
func pods(names []string) string {
	if len(names) == 1 {
		return "pod " + names[0]
	}
	return fmt.Sprintf("pods %s", strings.Join(names, ", "))
}
