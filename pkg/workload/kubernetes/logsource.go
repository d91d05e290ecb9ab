package kubernetes

import (
	"context"
	"io"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	clientset "k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// LogSource reads pods and their logs from kube-apiserver with the
// server's own identity: callers of the log subresource are authorized for
// `get <resource>/log`, and need no access to pods. Log follows share one
// watch of the controller's pods (WatchPods).
type LogSource struct {
	client clientset.Interface
	watch  *podWatch
}

var (
	_ workload.LogSource  = &LogSource{}
	_ workload.PodWatcher = &LogSource{}
)

// NewLogSource returns a LogSource over client.
func NewLogSource(client clientset.Interface) *LogSource {
	return &LogSource{client: client, watch: newPodWatch(client)}
}

// WatchPods subscribes to the pods the controller made in namespace, from
// one watch shared by every subscriber, which runs while there is one.
func (s *LogSource) WatchPods(ctx context.Context, namespace string) (*workload.PodSubscription, error) {
	return s.watch.subscribe(ctx, namespace)
}

// ListPods lists the selected pods of namespace.
func (s *LogSource) ListPods(ctx context.Context, namespace string, selector labels.Selector) ([]workload.Pod, error) {
	list, err := s.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, err
	}
	out := make([]workload.Pod, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, logPodOf(&list.Items[i]))
	}
	return out, nil
}

// GetPod reads one pod.
func (s *LogSource) GetPod(ctx context.Context, namespace, name string) (*workload.Pod, error) {
	pod, err := s.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	p := logPodOf(pod)
	return &p, nil
}

// Stream opens pods/log.
func (s *LogSource) Stream(ctx context.Context, namespace, pod string, o workload.PodLogOptions) (io.ReadCloser, error) {
	return s.client.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container:    o.Container,
		Follow:       o.Follow,
		Previous:     o.Previous,
		Timestamps:   o.Timestamps,
		TailLines:    o.TailLines,
		SinceSeconds: o.SinceSeconds,
		LimitBytes:   o.LimitBytes,
	}).Stream(ctx)
}

func logPodOf(pod *corev1.Pod) workload.Pod {
	p := workload.Pod{
		Name:     pod.Name,
		UID:      pod.UID,
		Labels:   pod.Labels,
		Restarts: map[string]int32{},
		Finished: pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed,
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		p.ControllerUID = ref.UID
	}
	for _, c := range pod.Spec.Containers {
		p.Containers = append(p.Containers, c.Name)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		p.Restarts[cs.Name] = cs.RestartCount
	}
	return p
}
