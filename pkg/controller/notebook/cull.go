package notebook

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// DefaultProbeInterval is how often a running notebook with an
// idleTimeout is probed for activity.
const DefaultProbeInterval = time.Minute

// idleTimeout is spec.idleTimeout, 0 when unset (or unreadable, which
// validation refuses).
func idleTimeout(nb *mlv1alpha1.Notebook) time.Duration {
	if nb.Spec.IdleTimeout == "" {
		return 0
	}
	d, err := time.ParseDuration(string(nb.Spec.IdleTimeout))
	if err != nil || d <= 0 {
		return 0
	}
	return d
}

// readySince is when the notebook's pod last became ready: the transition
// time of a true Ready condition; zero when it is not ready.
func readySince(nb *mlv1alpha1.Notebook) time.Time {
	c := meta.FindStatusCondition(nb.Status.Conditions, ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue {
		return time.Time{}
	}
	return c.LastTransitionTime.Time
}

// cullDecision is what the idle culler decided.
type cullDecision struct {
	// Cull stops the notebook now.
	Cull bool
	// IdleFor is how long it has been idle.
	IdleFor time.Duration
	// RecheckAfter is when to probe again when not culling: at the end
	// of the timeout, or after the probe interval if that comes first.
	RecheckAfter time.Duration
}

// decideCull decides whether a running notebook idle since the later of
// its last activity and its start is to be stopped at now. A notebook is
// culled once it has been idle for timeout or longer; activity in the
// future (a clock skew between the notebook and the controller) counts as
// activity now.
func decideCull(now, lastActivity, runningSince time.Time, timeout, probeInterval time.Duration) cullDecision {
	idleSince := runningSince
	if lastActivity.After(idleSince) {
		idleSince = lastActivity
	}
	idle := max(now.Sub(idleSince), 0)
	if idle >= timeout {
		return cullDecision{Cull: true, IdleFor: idle}
	}
	return cullDecision{IdleFor: idle, RecheckAfter: min(timeout-idle, probeInterval)}
}
