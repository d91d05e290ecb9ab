package workload

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// NamedPortService is the Service name, labeled and selecting by selector,
// with one TCP port that forwards to the replicas' port named portName.
func NamedPortService(name string, selector map[string]string, portName string, port int32) ServiceSpec {
	return ServiceSpec{
		Name:     name,
		Labels:   maps.Clone(selector),
		Selector: maps.Clone(selector),
		Ports: []corev1.ServicePort{{
			Name: portName, Port: port, TargetPort: intstr.FromString(portName), Protocol: corev1.ProtocolTCP,
		}},
	}
}
