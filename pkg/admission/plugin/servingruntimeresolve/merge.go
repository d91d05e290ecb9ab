package servingruntimeresolve

import (
	"maps"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// Merge puts the runtime's container and resources under the Model's own
// spec.runtime and spec.resources: a field the Model sets wins (image,
// command, args, port and readiness probe whole; env by name, the runtime's
// variables first in their order, then the Model's new ones; resource
// requests and limits by resource name).
func Merge(spec *ml.ModelSpec, rt *ml.ServingRuntimeSpec) {
	own, from := &spec.Runtime, rt.Container.DeepCopy()
	if own.Image == "" {
		own.Image = from.Image
	}
	if len(own.Command) == 0 {
		own.Command = from.Command
	}
	if len(own.Args) == 0 {
		own.Args = from.Args
	}
	if own.Port == 0 {
		own.Port = from.Port
	}
	if own.ReadinessProbe == nil {
		own.ReadinessProbe = from.ReadinessProbe
	}
	own.Env = mergeEnv(from.Env, own.Env)
	rtRes := rt.Resources.DeepCopy()
	spec.Resources.Requests = mergeResources(rtRes.Requests, spec.Resources.Requests)
	spec.Resources.Limits = mergeResources(rtRes.Limits, spec.Resources.Limits)
}

// mergeEnv is base with each variable of over replacing the one of the
// same name in place, and the others appended.
func mergeEnv(base, over []corev1.EnvVar) []corev1.EnvVar {
	if len(base) == 0 {
		return over
	}
	out := base
	for _, e := range over {
		replaced := false
		for i := range out {
			if out[i].Name == e.Name {
				out[i], replaced = e, true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

// mergeResources is base with over's quantities on top.
func mergeResources(base, over corev1.ResourceList) corev1.ResourceList {
	if len(base) == 0 {
		return over
	}
	out := base
	maps.Copy(out, over)
	return out
}

// KeepSnapshot keeps, on an update of a Model served by a runtime that
// leaves out the server (no image, no command), the server admission
// resolved: when the old spec has a runtimeRef and the new one names the
// same runtime or none, with the same format, the old spec.runtime and
// spec.resources are merged under the new ones as Merge does with a
// runtime. So re-applying the manifest that named only the format does not
// strip the server; a field the update sets still wins. An update that
// carries the server (kubectl edit, a full replace) is taken as it is.
func KeepSnapshot(spec, old *ml.ModelSpec) {
	ref := old.RuntimeRef
	if ref == nil || spec.Format != old.Format || spec.FormatVersion != old.FormatVersion ||
		spec.Runtime.Image != "" || len(spec.Runtime.Command) > 0 {
		return
	}
	if spec.RuntimeRef != nil && (spec.RuntimeRef.Name != ref.Name || KindOf(spec.RuntimeRef) != KindOf(ref)) {
		return
	}
	spec.RuntimeRef = ref.DeepCopy()
	Merge(spec, &ml.ServingRuntimeSpec{Container: old.Runtime, Resources: old.Resources})
}
