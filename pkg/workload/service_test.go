package workload

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestNamedPortService(t *testing.T) {
	selector := map[string]string{"app": "a"}
	got := NamedPortService("a", selector, "http", 8080)
	want := ServiceSpec{
		Name:     "a",
		Labels:   map[string]string{"app": "a"},
		Selector: map[string]string{"app": "a"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 8080, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("service (-want +got):\n%s", diff)
	}
	got.Labels["app"] = "changed"
	if got.Selector["app"] != "a" || selector["app"] != "a" {
		t.Errorf("the labels share memory with the selector")
	}
}
