package model

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

// A Model whose format no serving runtime supports (admission left it
// without a server) is Failed with a condition naming the format and
// version, and gets no Deployment.
func TestNoServingRuntimeFails(t *testing.T) {
	w := makeModel("a")
	w.m.Spec.Format, w.m.Spec.FormatVersion = "sklearn", "1.5"
	w.m.Spec.Runtime = mlv1alpha1.ModelRuntime{}
	f := newFixture(t, w.obj())
	f.sync()
	m := f.model()
	if m.Status.Phase != mlv1alpha1.ModelFailed {
		t.Errorf("phase %q, want Failed", m.Status.Phase)
	}
	c := meta.FindStatusCondition(m.Status.Conditions, ConditionRuntimeResolved)
	if c == nil || c.Status != "False" || c.Reason != ReasonNoServingRuntime ||
		!strings.Contains(c.Message, `format "sklearn" version "1.5"`) {
		t.Errorf("RuntimeResolved = %+v, want False/NoServingRuntime naming sklearn 1.5", c)
	}
	if r := meta.FindStatusCondition(m.Status.Conditions, ConditionReady); r == nil || r.Reason != ReasonNoServingRuntime {
		t.Errorf("Ready = %+v, want reason NoServingRuntime", r)
	}
	if f.deployment("a") != nil {
		t.Errorf("a Deployment was made for a Model without a server")
	}
}

// status.runtime names the runtime admission chose, and the runtime's
// readiness probe reaches the pods.
func TestStatusNamesTheServingRuntime(t *testing.T) {
	w := makeModel("a")
	w.m.Spec.RuntimeRef = &mlv1alpha1.ServingRuntimeRef{Kind: mlv1alpha1.ClusterServingRuntimeKind, Name: "sklearn-server"}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/v2/health/ready"}}}
	w.m.Spec.Runtime.ReadinessProbe = probe
	f := newFixture(t, w.obj())
	f.sync()
	m := f.model()
	if r := m.Status.Runtime; r == nil || r.Kind != mlv1alpha1.ClusterServingRuntimeKind || r.Name != "sklearn-server" {
		t.Errorf("status.runtime %+v, want ClusterServingRuntime sklearn-server", r)
	}
	if !meta.IsStatusConditionTrue(m.Status.Conditions, ConditionRuntimeResolved) {
		t.Errorf("RuntimeResolved not true: %+v", m.Status.Conditions)
	}
	d := f.deployment("a")
	if d == nil {
		t.Fatal("no Deployment")
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/v2/health/ready" {
		t.Errorf("readiness probe %+v, want the runtime's", c.ReadinessProbe)
	}
	if controllertest.Env(c, "ML_MODEL_FORMAT") != "onnx" {
		t.Errorf("ML_MODEL_FORMAT = %q", controllertest.Env(c, "ML_MODEL_FORMAT"))
	}
}

// A Model with its own server has no RuntimeResolved condition and no
// status.runtime.
func TestOwnServerHasNoRuntimeStatus(t *testing.T) {
	f := newFixture(t, makeModel("a").obj())
	f.sync()
	m := f.model()
	if m.Status.Runtime != nil || meta.FindStatusCondition(m.Status.Conditions, ConditionRuntimeResolved) != nil {
		t.Errorf("status.runtime %+v, conditions %+v: want neither", m.Status.Runtime, m.Status.Conditions)
	}
}
