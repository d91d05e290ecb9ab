package logarchive

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

type fakeArchiver struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (f *fakeArchiver) Archive(_ context.Context, owner schema.GroupKind, ns, name, pod, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, owner.Kind+" "+ns+"/"+name+" "+pod)
	return f.err
}

type fakeRuntime struct {
	workload.Runtime
	deleted []string
}

func (f *fakeRuntime) DeleteReplica(_ context.Context, _ workload.Owner, name, _ string) error {
	f.deleted = append(f.deleted, name)
	return nil
}

func TestArchiveBeforeDelete(t *testing.T) {
	owner := workload.Owner{Kind: schema.GroupVersionKind{Group: "ml.example.io", Version: "v1alpha1", Kind: "TrainingJob"}, Namespace: "ns", Name: "job"}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"archived", nil},
		{"archive fails, delete goes on", errors.New("server down")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fakeArchiver{err: tc.err}
			inner := &fakeRuntime{}
			r := ArchiveBeforeDelete(inner, a)
			if err := r.DeleteReplica(t.Context(), owner, "job-0", "uid"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"TrainingJob ns/job job-0"}, a.calls); diff != "" {
				t.Errorf("archived (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"job-0"}, inner.deleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
		})
	}
}

func pod(name string, phase corev1.PodPhase, ownerKind string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: k8stypes.UID("uid-" + name)},
		Status:     corev1.PodStatus{Phase: phase},
	}
	if ownerKind != "" {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "ml.example.io/v1alpha1", Kind: ownerKind, Name: "owner", UID: "o", Controller: ptr.To(true)}}
	}
	return p
}

func TestSyncArchivesEndedPodsOnce(t *testing.T) {
	// Deleted while they ran (by the garbage collector, a TTL, a
	// scale-down): ended once the kubelet reports every container
	// terminated, before the pod goes.
	deleted := func(name string, terminated bool) *corev1.Pod {
		p := pod(name, corev1.PodRunning, "Model")
		p.DeletionTimestamp = &metav1.Time{}
		state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
		if terminated {
			state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 143}}
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "server", State: state}}
		return p
	}
	pods := []*corev1.Pod{
		pod("done", corev1.PodSucceeded, "TrainingJob"),
		pod("failed", corev1.PodFailed, "PipelineRun"),
		pod("running", corev1.PodRunning, "TrainingJob"),
		pod("foreign", corev1.PodSucceeded, ""),
		deleted("stopping", false),
		deleted("stopped", true),
	}
	client := fake.NewClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	a := &fakeArchiver{}
	c, err := New(Config{Pods: factory.Core().V1().Pods(), Archiver: a})
	if err != nil {
		t.Fatal(err)
	}
	indexer := factory.Core().V1().Pods().Informer().GetIndexer()
	for _, p := range pods {
		if err := indexer.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		for _, p := range pods {
			if err := c.sync(t.Context(), cache.MetaObjectToName(p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"TrainingJob ns/owner done", "PipelineRun ns/owner failed", "Model ns/owner stopped"}
	if diff := cmp.Diff(want, a.calls); diff != "" {
		t.Errorf("archived (-want +got):\n%s", diff)
	}
}

func TestOwnerOfServingPods(t *testing.T) {
	yes := true
	pod := func(controllerKind string, labels map[string]string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: labels}}
		if controllerKind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: controllerKind, Name: "x", Controller: &yes}}
		}
		return p
	}
	cases := []struct {
		name     string
		pod      *corev1.Pod
		kind     string
		owner    string
		archived bool
	}{
		{"a model's pod", pod("ReplicaSet", map[string]string{"ml.example.io/model": "mnist"}), "Model", "mnist", true},
		{"a notebook's pod", pod("StatefulSet", map[string]string{"ml.example.io/notebook": "lab"}), "Notebook", "lab", true},
		{"someone else's deployment", pod("ReplicaSet", map[string]string{"app": "web"}), "", "", false},
		{"a pod of nobody", pod("", nil), "", "", false},
	}
	for _, tc := range cases {
		kind, owner, ok := ownerOf(tc.pod)
		if ok != tc.archived || kind.Kind != tc.kind || owner != tc.owner {
			t.Errorf("%s: ownerOf = %v %q %v, want %q %q %v", tc.name, kind, owner, ok, tc.kind, tc.owner, tc.archived)
		}
	}
}
