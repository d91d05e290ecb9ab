package tree

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

var t0 = time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)

func meta(name, uid string, ageSeconds int, labels map[string]string, owners ...string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Namespace: "team-a", UID: types.UID(uid), Labels: labels, CreationTimestamp: metav1.NewTime(t0.Add(-time.Duration(ageSeconds) * time.Second))}
	for _, o := range owners {
		m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{UID: types.UID(o), Name: o})
	}
	return m
}

// A model on a cluster: its Deployments' ReplicaSets and pods nest under
// them, the Service under the model; another model's pod is not shown.
func TestClusterChildren(t *testing.T) {
	own := map[string]string{mlv1alpha1.ModelNameLabel: "sentiment"}
	kube := fake.NewClientset(
		&corev1.Service{ObjectMeta: meta("sentiment", "svc", 300, own, "model"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}},
		&appsv1.Deployment{ObjectMeta: meta("sentiment", "dep", 300, own, "model"), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}, Status: appsv1.DeploymentStatus{ReadyReplicas: 1}},
		&appsv1.ReplicaSet{ObjectMeta: meta("sentiment-7d9f", "rs", 300, own, "dep"), Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2)}, Status: appsv1.ReplicaSetStatus{ReadyReplicas: 1}},
		&corev1.Pod{ObjectMeta: meta("sentiment-7d9f-a", "pa", 290, own, "rs"), Status: corev1.PodStatus{Phase: corev1.PodRunning}},
		&corev1.Pod{ObjectMeta: meta("sentiment-7d9f-b", "pb", 60, own, "rs"), Status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}},
		&corev1.Pod{ObjectMeta: meta("other-0", "po", 60, map[string]string{mlv1alpha1.ModelNameLabel: "other"}, "other-rs"), Status: corev1.PodStatus{Phase: corev1.PodRunning}},
	)
	var out, errOut bytes.Buffer
	o := &Options{Now: func() time.Time { return t0 }, kube: kube, IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}}
	o.target = util.Target{Resource: "models", Namespace: "team-a", Name: "sentiment"}
	obj := &object{ObjectMeta: meta("sentiment", "model", 310, nil)}
	children, err := o.clusterChildren(t.Context(), obj)
	if err != nil {
		t.Fatal(err)
	}
	root := &node{name: "model/sentiment", status: "Ready", created: obj.CreationTimestamp.Time, children: children}
	if err := printTree(&out, root, t0); err != nil {
		t.Fatal(err)
	}
	cmdtest.Golden(t, "cluster-model", out.String())
}

// In standalone mode a pipeline run's tree is its tasks and their
// attempts' processes.
func TestStandaloneRun(t *testing.T) {
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "r", CreationTimestamp: *at(-120)},
		Status: mlv1alpha1.PipelineRunStatus{Phase: mlv1alpha1.PipelineRunRunning, Tasks: []mlv1alpha1.PipelineTaskStatus{
			{Name: "prepare", Phase: mlv1alpha1.TaskSucceeded, StartTime: at(-100), Attempts: []mlv1alpha1.TaskAttempt{{PodName: "r-prepare-1", StartTime: at(-100), ExitCode: ptr.To[int32](0)}}},
			{Name: "train", Phase: mlv1alpha1.TaskRunning, StartTime: at(-90), Attempts: []mlv1alpha1.TaskAttempt{
				{PodName: "r-train-1", StartTime: at(-90), ExitCode: ptr.To[int32](137)},
				{PodName: "r-train-2", StartTime: at(-30)},
			}},
			{Name: "evaluate", Phase: mlv1alpha1.TaskPending},
		}},
	}
	raw, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	children, err := standaloneChildren("pipelineruns", raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printTree(&out, &node{name: "pipelinerun/r", status: "Running", created: run.CreationTimestamp.Time, children: children}, t0); err != nil {
		t.Fatal(err)
	}
	cmdtest.Golden(t, "standalone-run", out.String())
}

// A pipeline run's pods are found by the label key (its value may be a
// hash) and kept only when the run owns them.
func TestClusterRunChildren(t *testing.T) {
	key := map[string]string{mlv1alpha1.PipelineRunNameLabel: "r"}
	kube := fake.NewClientset(
		&corev1.Pod{ObjectMeta: meta("r-train-1", "p1", 60, key, "run"), Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}},
		&corev1.Pod{ObjectMeta: meta("r-train-2", "p2", 30, key, "run"), Status: corev1.PodStatus{Phase: corev1.PodRunning}},
		&corev1.Pod{ObjectMeta: meta("other-train-1", "p3", 30, map[string]string{mlv1alpha1.PipelineRunNameLabel: "other"}, "other-run"), Status: corev1.PodStatus{Phase: corev1.PodRunning}},
	)
	o := &Options{kube: kube, IOStreams: genericiooptions.IOStreams{ErrOut: &bytes.Buffer{}}}
	o.target = util.Target{Resource: "pipelineruns", Namespace: "team-a", Name: "r"}
	children, err := o.clusterChildren(t.Context(), &object{ObjectMeta: meta("r", "run", 100, nil)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range children {
		got = append(got, c.name+" "+c.status)
	}
	if diff := cmp.Diff([]string{"pod/r-train-1 Evicted", "pod/r-train-2 Running"}, got); diff != "" {
		t.Errorf("children (-want +got):\n%s", diff)
	}
}

// A wide run: a forEach task's row counts its instances by phase and
// names the first failed ones; the tasks of a nested pipeline hang under
// their parent.
func TestWideRun(t *testing.T) {
	at := func(s int) *metav1.Time { v := metav1.NewTime(t0.Add(time.Duration(s) * time.Second)); return &v }
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "wide", CreationTimestamp: *at(-600)},
		Status: mlv1alpha1.PipelineRunStatus{Phase: mlv1alpha1.PipelineRunRunning, Tasks: []mlv1alpha1.PipelineTaskStatus{
			{Name: "split", Task: "split", Phase: mlv1alpha1.TaskSucceeded, StartTime: at(-590), Attempts: []mlv1alpha1.TaskAttempt{{PodName: "wide-split-1", StartTime: at(-590), ExitCode: ptr.To[int32](0)}}},
			{Name: "work", Task: "work", Phase: mlv1alpha1.TaskRunning, StartTime: at(-580), Instances: &mlv1alpha1.TaskInstanceSummary{
				Total: 5000, Succeeded: 4200, Failed: 12, Running: 100, Pending: 688,
				Failures: []mlv1alpha1.TaskInstanceFailure{{Index: 7, Reason: "Error"}, {Index: 4100, Reason: "TimedOut"}},
			}},
			{Name: "report", Task: "report", Phase: mlv1alpha1.TaskPending},
			{Name: "report.render", Task: "report.render", Phase: mlv1alpha1.TaskPending},
			{Name: "report.publish", Task: "report.publish", Phase: mlv1alpha1.TaskPending},
		}},
	}
	var out bytes.Buffer
	root := &node{name: "pipelinerun/wide", status: "Running", created: run.CreationTimestamp.Time, children: runChildren(run, nil, "pod")}
	if err := printTree(&out, root, t0); err != nil {
		t.Fatal(err)
	}
	cmdtest.Golden(t, "wide-run", out.String())
}
