// Package podtemplatetest checks that every field a user sets on the pods
// of an object reaches the pods a kind builds. The fields are found by
// reflection over mlv1alpha1.ContainerSpec and mlv1alpha1.PodOptions, so a
// field added to the API and not wired into workload.PodTemplate (or into a
// kind that copies it by hand) fails the test of every kind.
package podtemplatetest

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/diff"
	"sigs.k8s.io/randfill"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Build returns the pod template a kind builds for an object whose
// user-set container and pod fields are c and opts.
type Build func(t *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec

// CheckFields checks that build places every field of ContainerSpec and
// PodOptions in the pod, except the fields skip names (field name: why).
// Each field is set alone, with made-up values, and must change the pod
// and be found where it belongs; then all are set together, and each must
// still be found where it belongs.
func CheckFields(t *testing.T, build Build, skip map[string]string) {
	t.Helper()
	fields := Fields()
	for name := range skip {
		if !slices.Contains(fields, name) {
			t.Errorf("skip names %s, which is not a field of ContainerSpec or PodOptions", name)
		}
	}
	base := build(t, &mlv1alpha1.ContainerSpec{}, &mlv1alpha1.PodOptions{})
	fill := filler()
	for _, name := range fields {
		if _, ok := skip[name]; ok {
			continue
		}
		c, opts := &mlv1alpha1.ContainerSpec{}, &mlv1alpha1.PodOptions{}
		fill.Fill(fieldOf(c, opts, name).Addr().Interface())
		got := build(t, c, opts)
		if equality.Semantic.DeepEqual(base, got) {
			t.Errorf("%s does not reach the pod: wire it in workload.PodTemplate (or in the kind, if it copies the field by hand)", name)
			continue
		}
		check(t, name, c, opts, &got)
	}

	c, opts := &mlv1alpha1.ContainerSpec{}, &mlv1alpha1.PodOptions{}
	fill.Fill(c)
	fill.Fill(opts)
	got := build(t, c, opts)
	for _, name := range fields {
		if _, ok := skip[name]; !ok {
			check(t, name+" (with all fields set)", c, opts, &got)
		}
	}
}

// Fields are the names of the fields of ContainerSpec and PodOptions.
func Fields() []string {
	var names []string
	for _, typ := range []reflect.Type{reflect.TypeFor[mlv1alpha1.ContainerSpec](), reflect.TypeFor[mlv1alpha1.PodOptions]()} {
		for f := range typ.Fields() {
			names = append(names, f.Name)
		}
	}
	return names
}

// fieldOf is the field name of c or opts.
func fieldOf(c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, name string) reflect.Value {
	if v := reflect.ValueOf(c).Elem().FieldByName(name); v.IsValid() {
		return v
	}
	return reflect.ValueOf(opts).Elem().FieldByName(name)
}

// filler makes up values for every field, with no nil pointers or empty
// lists, and strings unlike those the kinds set or substitute in.
func filler() *randfill.Filler {
	n := 0
	return randfill.New().NilChance(0).NumElements(1, 2).RandSource(rand.NewSource(13)).Funcs(
		func(s *string, _ randfill.Continue) {
			n++
			*s = fmt.Sprintf("v%d", n)
		},
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(c.Int63n(1000)+1, resource.DecimalSI)
		},
	)
}

// check checks that the field name of c or opts is where it belongs in pod.
func check(t *testing.T, name string, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) {
	t.Helper()
	field, _, _ := strings.Cut(name, " ")
	place, ok := places[field]
	if !ok {
		t.Errorf("%s has no place in podtemplatetest: say where in the pod it belongs", name)
		return
	}
	if len(pod.Spec.Containers) == 0 {
		t.Errorf("%s: the pod has no container", name)
		return
	}
	want, got := place(c, opts, pod)
	if !equality.Semantic.DeepEqual(want, got) {
		t.Errorf("%s is not where it belongs in the pod (-want +got):\n%s", name, diff.Diff(want, got))
	}
}

// places says where each field belongs in a pod: it returns the value the
// user set and the value found there. The kind's own labels, annotations,
// volumes, mounts and env come before (or win over) the user's, so the
// user's are found by key or as the last entries.
var places = map[string]func(c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (want, got any){
	"Image": func(c *mlv1alpha1.ContainerSpec, _ *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return c.Image, mainContainer(pod).Image
	},
	"Command": func(c *mlv1alpha1.ContainerSpec, _ *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return c.Command, mainContainer(pod).Command
	},
	"Args": func(c *mlv1alpha1.ContainerSpec, _ *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return c.Args, mainContainer(pod).Args
	},
	"Env": func(c *mlv1alpha1.ContainerSpec, _ *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return c.Env, last(mainContainer(pod).Env, len(c.Env))
	},
	"Resources": func(c *mlv1alpha1.ContainerSpec, _ *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return c.Resources, mainContainer(pod).Resources
	},
	"PodMetadata": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		got := mlv1alpha1.PodMetadata{Labels: map[string]string{}, Annotations: map[string]string{}}
		for k := range opts.PodMetadata.Labels {
			got.Labels[k] = pod.Labels[k]
		}
		for k := range opts.PodMetadata.Annotations {
			got.Annotations[k] = pod.Annotations[k]
		}
		return *opts.PodMetadata, got
	},
	"ServiceAccountName": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.ServiceAccountName, pod.Spec.ServiceAccountName
	},
	"NodeSelector": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.NodeSelector, pod.Spec.NodeSelector
	},
	"Tolerations": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.Tolerations, pod.Spec.Tolerations
	},
	"Volumes": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.Volumes, last(pod.Spec.Volumes, len(opts.Volumes))
	},
	"VolumeMounts": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.VolumeMounts, last(mainContainer(pod).VolumeMounts, len(opts.VolumeMounts))
	},
	"ImagePullSecrets": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.ImagePullSecrets, pod.Spec.ImagePullSecrets
	},
	"SecurityContext": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.SecurityContext, mainContainer(pod).SecurityContext
	},
	"PodSecurityContext": func(_ *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions, pod *corev1.PodTemplateSpec) (any, any) {
		return opts.PodSecurityContext, pod.Spec.SecurityContext
	},
}

// mainContainer is the main container of pod: the first.
func mainContainer(pod *corev1.PodTemplateSpec) *corev1.Container { return &pod.Spec.Containers[0] }

// last is the last n entries of s, or all of s when it has fewer.
func last[T any](s []T, n int) []T { return s[max(0, len(s)-n):] }
