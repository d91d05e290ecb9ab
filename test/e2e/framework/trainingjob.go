package framework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// The annotations of the pod-exit kwok Stage of hack/lib/kwok-stages.yaml:
// a Running pod carrying PodExitCodeAnnotation ends with that exit code
// (0: Succeeded, else Failed) after PodExitDelayAnnotation (default 1s),
// with PodExitMessageAnnotation as its termination message.
const (
	PodExitCodeAnnotation    = "pod-exit.stage.kwok.x-k8s.io/exit-code"
	PodExitDelayAnnotation   = "pod-exit.stage.kwok.x-k8s.io/delay"
	PodExitMessageAnnotation = "pod-exit.stage.kwok.x-k8s.io/message"
)

// PollInterval is how often the Wait helpers look.
const PollInterval = 250 * time.Millisecond

// WaitTrainingJob polls the job until cond holds and returns it; on timeout
// the test fails with cond's last explanation.
func WaitTrainingJob(ctx context.Context, t testing.TB, ml mlclientset.Interface, ns, name string, timeout time.Duration,
	what string, cond func(*mlv1alpha1.TrainingJob) (bool, string)) *mlv1alpha1.TrainingJob {
	t.Helper()
	var job *mlv1alpha1.TrainingJob
	last := "never read"
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		j, err := ml.MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		job = j
		ok, why := cond(j)
		last = why
		return ok, nil
	})
	if err != nil {
		t.Fatalf("TrainingJob %s/%s: %s: not within %v: %s\nstatus: %s", ns, name, what, timeout, last, DescribeJobStatus(job))
	}
	return job
}

// DescribeJobStatus is a one-line summary of a job's status for failure
// messages.
func DescribeJobStatus(job *mlv1alpha1.TrainingJob) string {
	if job == nil {
		return "(none)"
	}
	st := job.Status
	var conds []string
	for _, c := range st.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s/%s", c.Type, c.Status, c.Reason))
	}
	return fmt.Sprintf("phase=%s replicas=%d ready=%d succeeded=%d failed=%d restarts=%d conditions=[%s]",
		st.Phase, st.Replicas, st.ReadyReplicas, st.Succeeded, st.Failed, st.Restarts, strings.Join(conds, " "))
}

// JobPhase is a condition of WaitTrainingJob: the job is in phase.
func JobPhase(phase mlv1alpha1.TrainingJobPhase) func(*mlv1alpha1.TrainingJob) (bool, string) {
	return func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.Phase == phase, "phase " + string(j.Status.Phase)
	}
}

// JobPods returns the pods of the TrainingJob name (by its name label),
// sorted by name, leaving out those being deleted.
func JobPods(ctx context.Context, t testing.TB, kube kubernetes.Interface, ns, name string) []corev1.Pod {
	t.Helper()
	pods, err := tryJobPods(ctx, kube, ns, name)
	if err != nil {
		t.Fatalf("list pods of %s/%s: %v", ns, name, err)
	}
	return pods
}

func tryJobPods(ctx context.Context, kube kubernetes.Interface, ns, name string) ([]corev1.Pod, error) {
	sel := labels.SelectorFromSet(labels.Set{mlv1alpha1.TrainingJobNameLabel: name}).String()
	list, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	slices.SortFunc(pods, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return pods, nil
}

// WaitJobPods polls the pods of the TrainingJob name until cond holds and
// returns them.
func WaitJobPods(ctx context.Context, t testing.TB, kube kubernetes.Interface, ns, name string, timeout time.Duration,
	what string, cond func([]corev1.Pod) (bool, string)) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	last := "never listed"
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		p, err := tryJobPods(ctx, kube, ns, name)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		pods = p
		ok, why := cond(p)
		last = why
		return ok, nil
	})
	if err != nil {
		t.Fatalf("pods of TrainingJob %s/%s: %s: not within %v: %s", ns, name, what, timeout, last)
	}
	return pods
}

// PodsRunning is a condition of WaitJobPods: exactly the pods named names
// exist, and all are Running and Ready.
func PodsRunning(names ...string) func([]corev1.Pod) (bool, string) {
	return func(pods []corev1.Pod) (bool, string) {
		var got []string
		running := true
		for _, p := range pods {
			got = append(got, fmt.Sprintf("%s:%s", p.Name, p.Status.Phase))
			running = running && p.Status.Phase == corev1.PodRunning && PodReady(&p)
		}
		var have []string
		for _, p := range pods {
			have = append(have, p.Name)
		}
		return running && slices.Equal(have, names), fmt.Sprintf("pods %v, want %v running", got, names)
	}
}

// PodReady says whether the pod's Ready condition is true.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodEnv is the environment of the pod's first container as a map.
func PodEnv(p *corev1.Pod) map[string]string {
	env := map[string]string{}
	if len(p.Spec.Containers) == 0 {
		return env
	}
	for _, e := range p.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env
}

// JobEvents returns the events about the TrainingJob (matched by its UID,
// as kubectl describe does), oldest first.
func JobEvents(ctx context.Context, t testing.TB, kube kubernetes.Interface, job *mlv1alpha1.TrainingJob) []corev1.Event {
	t.Helper()
	list, err := kube.CoreV1().Events(job.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.uid=" + string(job.UID),
	})
	if err != nil {
		t.Fatalf("list events of %s/%s: %v", job.Namespace, job.Name, err)
	}
	events := list.Items
	slices.SortStableFunc(events, func(a, b corev1.Event) int { return a.LastTimestamp.Compare(b.LastTimestamp.Time) })
	return events
}
