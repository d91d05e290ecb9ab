package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateReadinessProbe validates a readiness probe as kube-apiserver
// validates a container's: exactly one handler, valid ports, schemes and
// header names, no negative numbers and no terminationGracePeriodSeconds
// (which only liveness and startup probes take). A named port must be one
// of ports, the names the container has: a probe of a port it lacks would
// fail for ever, and the model would never become ready.
func validateReadinessProbe(p *corev1.Probe, ports sets.Set[string], fldPath *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	var allErrs field.ErrorList
	handlers := 0
	if h := p.Exec; h != nil {
		handlers++
		if len(h.Command) == 0 {
			allErrs = append(allErrs, field.Required(fldPath.Child("exec", "command"), "the command to run"))
		}
	}
	if h := p.HTTPGet; h != nil {
		handlers++
		hPath := fldPath.Child("httpGet")
		allErrs = append(allErrs, validateProbePort(h.Port, ports, hPath.Child("port"))...)
		if h.Scheme != "" && h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
			allErrs = append(allErrs, field.NotSupported(hPath.Child("scheme"), h.Scheme, []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
		}
		for i, hd := range h.HTTPHeaders {
			for _, msg := range validation.IsHTTPHeaderName(hd.Name) {
				allErrs = append(allErrs, field.Invalid(hPath.Child("httpHeaders").Index(i).Child("name"), hd.Name, msg))
			}
		}
	}
	if h := p.TCPSocket; h != nil {
		handlers++
		allErrs = append(allErrs, validateProbePort(h.Port, ports, fldPath.Child("tcpSocket", "port"))...)
	}
	if h := p.GRPC; h != nil {
		handlers++
		for _, msg := range validation.IsValidPortNum(int(h.Port)) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("grpc", "port"), h.Port, msg))
		}
	}
	switch {
	case handlers == 0:
		allErrs = append(allErrs, field.Required(fldPath, "must specify a handler type: one of exec, httpGet, tcpSocket or grpc"))
	case handlers > 1:
		allErrs = append(allErrs, field.Forbidden(fldPath, "may not specify more than 1 handler type"))
	}
	for name, v := range map[string]int32{
		"initialDelaySeconds": p.InitialDelaySeconds,
		"timeoutSeconds":      p.TimeoutSeconds,
		"periodSeconds":       p.PeriodSeconds,
		"successThreshold":    p.SuccessThreshold,
		"failureThreshold":    p.FailureThreshold,
	} {
		if v < 0 {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(name), v, "must be greater than or equal to 0"))
		}
	}
	if p.TerminationGracePeriodSeconds != nil {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *p.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return allErrs
}

// validateProbePort accepts a port number or the name of one of ports.
func validateProbePort(port intstr.IntOrString, ports sets.Set[string], fldPath *field.Path) field.ErrorList {
	if port.Type == intstr.Int {
		var allErrs field.ErrorList
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.IntValue(), msg))
		}
		return allErrs
	}
	if port.StrVal == "" {
		return field.ErrorList{field.Required(fldPath, "a port number or the name of a port of the container")}
	}
	if !ports.Has(port.StrVal) {
		return field.ErrorList{field.Invalid(fldPath, port.StrVal, fmt.Sprintf("the container has no port of that name; name one of %q or give a number", sets.List(ports)))}
	}
	return nil
}
