package kubernetes

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// withPodProblem says in a set's Reason and Message why its pods do not
// become ready, when the set itself does not (a Deployment's conditions
// do not tell an image that cannot be pulled from a slow start): the
// first pod, by name, that waits on an image, crash-loops or cannot be
// scheduled. A set that failed keeps its own reason.
func (r *Runtime) withPodProblem(s workload.ServedSetStatus, namespace string, selector *metav1.LabelSelector) workload.ServedSetStatus {
	if s.Failed || s.Reason != "" || (s.Available && s.ReadyReplicas >= s.Replicas) || selector == nil {
		return s
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil || sel.Empty() {
		return s
	}
	pods, err := r.pods.Pods(namespace).List(sel)
	if err != nil {
		return s
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	for _, pod := range pods {
		st := replicaStatus(pod)
		if st.Ready || st.Terminating || st.Reason == "" || st.Phase == workload.PhaseSucceeded {
			continue
		}
		msg := st.Message
		if msg == "" || st.ExitCode != nil {
			msg = st.Cause()
		}
		s.Reason, s.Message = st.Reason, st.Name+": "+msg
		return s
	}
	return s
}
