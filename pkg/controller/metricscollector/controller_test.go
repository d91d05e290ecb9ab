package metricscollector

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlfake "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// fakeLogs serves fixed log text per pod, ending the stream after it.
type fakeLogs struct {
	mu     sync.Mutex
	logs   map[string]string
	opened map[string]int
}

func (f *fakeLogs) StreamLog(_ context.Context, _, pod, _ string, _ *metav1.Time) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened[pod]++
	return io.NopCloser(strings.NewReader(f.logs[pod])), nil
}

// fakeAPI records appended series.
type fakeAPI struct {
	mu     sync.Mutex
	steps  map[string]int64
	points map[string][]mlv1alpha1.MetricPoint
}

func (f *fakeAPI) Append(_ context.Context, namespace, job string, series []mlv1alpha1.MetricSeries) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range series {
		key := namespace + "/" + job + "/" + s.Name
		f.points[key] = append(f.points[key], s.Points...)
	}
	return nil
}

func (f *fakeAPI) LastSteps(context.Context, string, string) (map[string]int64, types.UID, error) {
	return f.steps, "", nil
}

func (f *fakeAPI) get(key string) []mlv1alpha1.MetricPoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mlv1alpha1.MetricPoint(nil), f.points[key]...)
}

func job(name string, collector mlv1alpha1.MetricsCollector, format string) *mlv1alpha1.TrainingJob {
	j := &mlv1alpha1.TrainingJob{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid")}}
	if collector != "" || format != "" {
		j.Spec.Metrics = &mlv1alpha1.MetricsSpec{Collector: collector, Format: format}
	}
	return j
}

func pod(j *mlv1alpha1.TrainingJob, index string, phase corev1.PodPhase) *corev1.Pod {
	yes := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: j.Name + "-" + index, Namespace: j.Namespace, UID: types.UID(j.Name + "-" + index + "-uid"),
			Labels: map[string]string{mlv1alpha1.TrainingJobNameLabel: j.Name, mlv1alpha1.ReplicaIndexLabel: index},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Name: j.Name, UID: j.UID, Controller: &yes,
			}},
		},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "trainer"}}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func ts(sec int) string {
	return time.Date(2026, 11, 27, 8, 0, sec, 0, time.UTC).Format(time.RFC3339Nano)
}

// TestCollectorFollowsReplicaZero: the log of replica 0 of a StdOut job
// becomes points with counted or named steps and the lines' times; other
// replicas, Push jobs and jobs with another format are handled as such.
func TestCollectorFollowsReplicaZero(t *testing.T) {
	stdout := job("stdout", "", "")
	push := job("push", mlv1alpha1.MetricsCollectorPush, "")
	custom := job("custom", mlv1alpha1.MetricsCollectorStdOut, `(\w+):\s*([-.\d]+)`)
	pods := []*corev1.Pod{
		pod(stdout, "0", corev1.PodSucceeded), pod(stdout, "1", corev1.PodSucceeded),
		pod(push, "0", corev1.PodSucceeded), pod(custom, "0", corev1.PodSucceeded),
	}
	logs := &fakeLogs{opened: map[string]int{}, logs: map[string]string{
		"stdout-0": ts(1) + " starting\n" + ts(2) + " loss=0.3 accuracy=.98\n" + ts(3) + " loss=0.2\n" + ts(4) + " step=10 score=-7.53e-05\n",
		"stdout-1": ts(1) + " loss=9\n",
		"push-0":   ts(1) + " loss=9\n",
		"custom-0": ts(1) + " loss: 0.5 loss=9\n",
	}}
	api := &fakeAPI{steps: map[string]int64{"accuracy": 6}, points: map[string][]mlv1alpha1.MetricPoint{}}

	ml := mlfake.NewClientset(stdout, push, custom)
	kubeObjects := make([]runtime.Object, 0, len(pods))
	for _, p := range pods {
		kubeObjects = append(kubeObjects, p)
	}
	kube := kubefake.NewClientset(kubeObjects...)
	mlFactory := mlinformers.NewSharedInformerFactory(ml, 0)
	kubeFactory := informers.NewSharedInformerFactory(kube, 0)
	c, err := New(Config{
		Jobs: mlFactory.Ml().V1alpha1().TrainingJobs(),
		Replicas: workloadkubernetes.New(workloadkubernetes.Config{
			Client:   kube,
			Pods:     kubeFactory.Core().V1().Pods(),
			Services: kubeFactory.Core().V1().Services(),
		}),
		Logs: logs,
		API:  api,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	mlFactory.Start(ctx.Done())
	kubeFactory.Start(ctx.Done())
	go func() {
		defer close(done)
		c.Run(ctx, 1)
	}()
	defer func() {
		cancel()
		<-done
		mlFactory.Shutdown()
		kubeFactory.Shutdown()
	}()

	at := func(sec int) metav1.MicroTime {
		return metav1.NewMicroTime(time.Date(2026, 11, 27, 8, 0, sec, 0, time.UTC))
	}
	want := map[string][]mlv1alpha1.MetricPoint{
		"ns/stdout/loss":     {{Step: 0, Value: 0.3, Time: at(2)}, {Step: 1, Value: 0.2, Time: at(3)}},
		"ns/stdout/accuracy": {{Step: 7, Value: 0.98, Time: at(2)}},
		"ns/stdout/score":    {{Step: 10, Value: -7.53e-05, Time: at(4)}},
		"ns/custom/loss":     {{Step: 0, Value: 0.5, Time: at(1)}},
	}
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		for key, points := range want {
			if len(api.get(key)) < len(points) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("points did not arrive: %v", err)
	}
	for key, points := range want {
		if diff := cmp.Diff(points, api.get(key)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", key, diff)
		}
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, p := range []string{"stdout-1", "push-0"} {
		if logs.opened[p] != 0 {
			t.Errorf("the log of %s was read: only replica 0 of StdOut jobs is", p)
		}
	}
	if logs.opened["stdout-0"] != 1 {
		t.Errorf("the log of the finished pod stdout-0 was opened %d times, want once", logs.opened["stdout-0"])
	}
}
