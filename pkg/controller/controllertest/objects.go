package controllertest

import corev1 "k8s.io/api/core/v1"

// Env returns the value of the environment variable name of container c,
// or "" when c does not set it.
func Env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
