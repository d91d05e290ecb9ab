package workload

import (
	"context"
	"io"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Pod is what a reader of live logs needs to know of a pod (a replica or
// a task's pod).
type Pod struct {
	Name   string
	UID    types.UID
	Labels map[string]string
	// ControllerUID is the UID of the pod's controller, if any.
	ControllerUID types.UID
	// Containers are the names of the pod's containers, in spec order.
	Containers []string
	// Restarts counts the restarts of each container.
	Restarts map[string]int32
	// Finished is true once the pod has succeeded or failed.
	Finished bool
}

// PodLogOptions are the options of one pod log stream.
type PodLogOptions struct {
	Container    string
	Follow       bool
	Previous     bool
	Timestamps   bool
	TailLines    *int64
	SinceSeconds *int64
	LimitBytes   *int64
}

// PodReader reads pods.
type PodReader interface {
	// ListPods returns the pods of namespace that selector selects.
	ListPods(ctx context.Context, namespace string, selector labels.Selector) ([]Pod, error)
	// GetPod returns one pod; an error satisfying apierrors.IsNotFound
	// when there is none.
	GetPod(ctx context.Context, namespace, name string) (*Pod, error)
}

// LogSource reads the logs of live pods: kube-apiserver's pods/log in a
// cluster (workload/kubernetes.LogSource), the log files of host processes
// in standalone mode (workload/local.LogSource), or a fake in tests. The
// log subresource and the metrics collector read through it.
type LogSource interface {
	PodReader
	// Stream opens a container's log. Cancelling ctx ends the stream.
	Stream(ctx context.Context, namespace, pod string, opts PodLogOptions) (io.ReadCloser, error)
}

// PodWatcher is a LogSource that keeps one watch of the pods whose logs it
// serves, shared by every log follow: a follow reads pods from its cache
// and hears of their changes, instead of asking the source every second.
type PodWatcher interface {
	// WatchPods subscribes to the pods of namespace until ctx is done. It
	// returns once the shared cache has synced.
	WatchPods(ctx context.Context, namespace string) (*PodSubscription, error)
}

// PodSubscription is one follow's view of a PodWatcher's shared watch.
type PodSubscription struct {
	// Pods reads the namespace's pods from the shared cache. The cache may
	// lag the source a little: a pod it does not have yet may exist.
	Pods PodReader
	// Changed receives after a pod of the namespace was added, changed or
	// deleted; changes before the last one was received make one.
	Changed <-chan struct{}
	// Covers says whether the watch sees a pod of these labels; one it does
	// not see is read from the source.
	Covers func(labels map[string]string) bool
}
