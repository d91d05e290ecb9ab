package model

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// ConditionRuntimeResolved is true when the Model has a server: the
// serving runtime admission chose (status.runtime names it). It is set
// only on Models that name a format or a runtime, not on those that bring
// their own server in spec.runtime.
const ConditionRuntimeResolved = "RuntimeResolved"

// Reasons of the RuntimeResolved condition.
const (
	// ReasonNoServingRuntime: no serving runtime supports the Model's
	// format (and version), and the Model has no server of its own.
	ReasonNoServingRuntime = "NoServingRuntime"
	// ReasonServingRuntime: the Model is served by the runtime
	// status.runtime names.
	ReasonServingRuntime = "ServingRuntime"
)

// missingRuntime is why m has no server process — no image, no command,
// and no serving runtime was found for its format at admission — or "".
func missingRuntime(m *mlv1alpha1.Model) string {
	rt := &m.Spec.Runtime
	if rt.Image != "" || len(rt.Command) > 0 {
		return ""
	}
	version := ""
	if m.Spec.FormatVersion != "" {
		version = fmt.Sprintf(" version %q", m.Spec.FormatVersion)
	}
	return fmt.Sprintf("No ServingRuntime or ClusterServingRuntime with autoSelect supports format %q%s; "+
		"create one, or name one in spec.runtimeRef, and recreate the Model", m.Spec.Format, version)
}

// setRuntimeStatus names the runtime in status.runtime and sets the
// RuntimeResolved condition of a Model that names a format or a runtime.
func setRuntimeStatus(s *syncState) {
	m := s.model
	m.Status.Runtime = nil
	if ref := m.Spec.RuntimeRef; ref != nil {
		m.Status.Runtime = ref.DeepCopy()
	}
	switch {
	case s.noRuntime != "":
		s.setCondition(ConditionRuntimeResolved, metav1.ConditionFalse, ReasonNoServingRuntime, s.noRuntime)
	case m.Status.Runtime != nil:
		s.setCondition(ConditionRuntimeResolved, metav1.ConditionTrue, ReasonServingRuntime,
			fmt.Sprintf("Served by %s %s", m.Status.Runtime.Kind, m.Status.Runtime.Name))
	}
}

// readinessProbe is spec.runtime.readinessProbe (from the serving runtime
// or the Model), a TCP probe on the server's port when unset.
func readinessProbe(m *mlv1alpha1.Model) *corev1.Probe {
	if p := m.Spec.Runtime.ReadinessProbe; p != nil {
		return p.DeepCopy()
	}
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(PortName)}},
	}
}
