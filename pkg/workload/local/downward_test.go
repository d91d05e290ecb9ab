package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestDownwardAPIVolume: the file of a downward API volume is written
// before the process starts, with the hosts of the owner's service
// rewritten, and a variable naming a path below its mount path points at
// it; the process may read it and not change it.
func TestDownwardAPIVolume(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("mpi", "1")
	ctx := context.Background()
	if _, err := r.EnsureService(ctx, o, workload.ServiceSpec{Name: "mpi", Headless: true}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(sharedDir(t), "hostfile")
	spec := shReplica("mpi-launcher-0", `cp "$ML_HOSTFILE" `+out+`.tmp && mv `+out+`.tmp `+out+` && if echo x >> "$ML_HOSTFILE"; then exit 3; fi`,
		corev1.EnvVar{Name: "ML_HOSTFILE", Value: "/etc/mpi/hostfile"},
		corev1.EnvVar{Name: "OTHER", Value: "/etc/mpi-other/x"})
	spec.Template.Annotations = map[string]string{"hosts": "mpi-worker-0.mpi.ns.svc slots=2\nmpi-worker-1.mpi slots=2\nelsewhere.example.com slots=1\n"}
	spec.Template.Spec.Volumes = []corev1.Volume{{Name: "hostfile", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{{Path: "hostfile", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['hosts']"}}},
	}}}}
	spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "hostfile", MountPath: "/etc/mpi", ReadOnly: true}}
	if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "mpi-launcher-0", func(s workload.ReplicaStatus) bool {
		return s.Phase == workload.PhaseSucceeded || s.Phase == workload.PhaseFailed
	})
	if st.Phase != workload.PhaseSucceeded {
		t.Fatalf("launcher ended %s (%s): it could not read the file, or could write it", st.Phase, st.Message)
	}
	deadline := time.Now().Add(10 * time.Second)
	var data []byte
	var err error
	for data, err = os.ReadFile(out); err != nil && time.Now().Before(deadline); data, err = os.ReadFile(out) {
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("127.0.0.1 slots=2\n127.0.0.1 slots=2\nelsewhere.example.com slots=1\n", string(data)); diff != "" {
		t.Errorf("hostfile (-want +got):\n%s", diff)
	}
}

// TestDownwardAPIVolumeUnsupportedItem: an item the local runtime cannot
// fill fails the start, naming it.
func TestDownwardAPIVolumeUnsupportedItem(t *testing.T) {
	r := newRuntime(t, t.TempDir())
	o := owner("a", "1")
	spec := shReplica("a-0", "true")
	spec.Template.Spec.Volumes = []corev1.Volume{{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
	}}}}
	spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "info", MountPath: "/etc/info"}}
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "a-0", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseFailed })
	if want := "volume info: item cpu: only fieldRef is supported by the local runtime"; st.Message != want {
		t.Errorf("message %q, want %q", st.Message, want)
	}
}
