package metrics

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

func TestPodBinding(t *testing.T) {
	yes := true
	jobA := &metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a"}
	jobB := &metav1.ObjectMeta{Name: "b", Namespace: "ns", UID: "uid-b"}
	podOf := func(name string, job *metav1.ObjectMeta, kind string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
			Labels:          map[string]string{"ml.example.io/model": job.Name},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "ml.example.io/v1alpha1", Kind: kind, Name: job.Name, UID: job.UID, Controller: &yes}},
		}}
	}
	pods := map[string]*corev1.Pod{"a-0": podOf("a-0", jobA, "TrainingJob"), "b-0": podOf("b-0", jobB, "TrainingJob")}
	b := &PodBinding{Pods: func(_ context.Context, ns, name string) (*corev1.Pod, error) {
		if p, ok := pods[name]; ok && ns == p.Namespace {
			return p, nil
		}
		return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
	}}
	sa := func(ns, pod, uid string) context.Context {
		u := &user.DefaultInfo{Name: "system:serviceaccount:" + ns + ":trainer"}
		if pod != "" {
			u.Extra = map[string][]string{PodNameExtra: {pod}, PodUIDExtra: {uid}}
		}
		return genericapirequest.WithUser(context.Background(), u)
	}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		kind    string
		owner   metav1.Object
		allowed bool
	}{
		{"own job", sa("ns", "a-0", "a-0-uid"), "TrainingJob", jobA, true},
		{"own job, cached", sa("ns", "a-0", "a-0-uid"), "TrainingJob", jobA, true},
		{"another job", sa("ns", "a-0", "a-0-uid"), "TrainingJob", jobB, false},
		{"other pod to its job", sa("ns", "b-0", "b-0-uid"), "TrainingJob", jobB, true},
		{"other pod to the first job", sa("ns", "b-0", "b-0-uid"), "TrainingJob", jobA, false},
		{"replaced pod", sa("ns", "a-0", "old-uid"), "TrainingJob", jobA, false},
		{"deleted pod", sa("ns", "a-9", "x"), "TrainingJob", jobA, false},
		{"other namespace", sa("other", "a-0", "a-0-uid"), "TrainingJob", jobA, false},
		{"same name, another kind", sa("ns", "a-0", "a-0-uid"), "PipelineRun", &metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-run"}, false},
		{"model by label", sa("ns", "a-0", "a-0-uid"), "Model", &metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-model"}, true},
		{"token without pod", sa("ns", "", ""), "TrainingJob", jobB, true},
		{"person", genericapirequest.WithUser(context.Background(), &user.DefaultInfo{Name: "alice"}), "TrainingJob", jobB, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.CheckWriter(tc.ctx, tc.kind, tc.owner)
			if tc.allowed && err != nil {
				t.Errorf("denied: %v", err)
			}
			if !tc.allowed && !apierrors.IsForbidden(err) {
				t.Errorf("got %v, want 403", err)
			}
		})
	}
}
