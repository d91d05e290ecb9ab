package storage

import (
	"slices"
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestLogRoles: pods of a job with roles are labelled <role>-<index>, and
// ?replica= picks one by that label, all of a role by its name, or one by
// pod name; a job without roles keeps replica-<index>.
func TestLogRoles(t *testing.T) {
	job := &ml.TrainingJob{}
	job.Name, job.UID = "tf", "uid"
	pod := func(name, role, index string) *workload.Pod {
		p := &workload.Pod{Name: name, ControllerUID: "uid", Labels: map[string]string{mlv1alpha1.ReplicaIndexLabel: index}}
		if role != "" {
			p.Labels[mlv1alpha1.ReplicaRoleLabel] = role
		}
		return p
	}
	pods := []*workload.Pod{pod("tf-chief-0", "chief", "0"), pod("tf-worker-0", "worker", "0"), pod("tf-worker-1", "worker", "1"), pod("tf-ps-0", "ps", "0"), pod("tf-0", "", "0")}
	var labels []string
	for _, p := range pods {
		l, ok := logKind{}.Label(job, p)
		if !ok {
			t.Fatalf("pod %s has no label", p.Name)
		}
		labels = append(labels, l)
	}
	if want := []string{"chief-0", "worker-0", "worker-1", "ps-0", "replica-0"}; !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	for replica, want := range map[string][]string{
		"worker-1":   {"tf-worker-1"},
		"worker":     {"tf-worker-0", "tf-worker-1"},
		"ps":         {"tf-ps-0"},
		"tf-chief-0": {"tf-chief-0"},
		"0":          {"tf-0"},
		"work":       nil,
	} {
		sel, errs := logKind{}.Select(job, &ml.LogOptions{Replica: replica})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var got []string
		for i, p := range pods {
			if sel(p.Name, labels[i]) {
				got = append(got, p.Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("replica=%s selects %v, want %v", replica, got, want)
		}
	}
}
