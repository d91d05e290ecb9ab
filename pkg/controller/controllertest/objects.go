package controllertest

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Getter is the Get of a typed client, such as
// ml.MlV1alpha1().Models("ns") or kube.AppsV1().Deployments("ns").
type Getter[O any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (O, error)
}

// GetterUpdater is a typed client that gets and updates.
type GetterUpdater[O any] interface {
	Getter[O]
	Update(ctx context.Context, obj O, opts metav1.UpdateOptions) (O, error)
}

// Get returns the object name that client stores; the test fails when
// there is none.
func Get[O any](t testing.TB, client Getter[O], name string) O {
	t.Helper()
	o, err := client.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// UpdateSpec stores change of the object name, as a user would: change
// applies to what is stored, and the generation is bumped as the API
// server does for a change of spec.
func UpdateSpec[O metav1.Object](t testing.TB, client GetterUpdater[O], name string, change func(O)) {
	t.Helper()
	o := Get(t, client, name)
	change(o)
	o.SetGeneration(o.GetGeneration() + 1)
	if _, err := client.Update(t.Context(), o, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

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
