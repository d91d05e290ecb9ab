package testing

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// NotebookWrapper builds a Notebook.
type NotebookWrapper struct {
	obj ml.Notebook
	MetaSetters[*NotebookWrapper]
	ContainerSetters[*NotebookWrapper]
	PodSetters[*NotebookWrapper]
}

// MakeNotebook starts a running Notebook of DefaultImage on port 8888 with
// the default workspace (10Gi at /home/jovyan), as the API server would
// default it.
func MakeNotebook(name, namespace string) *NotebookWrapper {
	w := &NotebookWrapper{obj: ml.Notebook{
		ObjectMeta: objectMeta(name, namespace),
		Spec: ml.NotebookSpec{
			ContainerSpec: ml.ContainerSpec{Image: DefaultImage},
			Replicas:      ptr.To[int32](1),
			Port:          8888,
			Workspace:     &ml.WorkspaceSpec{Size: quantity("10Gi"), MountPath: "/home/jovyan"},
		},
	}}
	w.MetaSetters = MetaSetters[*NotebookWrapper]{&w.obj.ObjectMeta, w}
	w.ContainerSetters = ContainerSetters[*NotebookWrapper]{&w.obj.Spec.ContainerSpec, w}
	w.PodSetters = PodSetters[*NotebookWrapper]{&w.obj.Spec.PodOptions, w}
	return w
}

// Obj returns a copy of the Notebook.
func (w *NotebookWrapper) Obj() *ml.Notebook { return w.obj.DeepCopy() }

// Replicas sets spec.replicas.
func (w *NotebookWrapper) Replicas(n int32) *NotebookWrapper {
	w.obj.Spec.Replicas = ptr.To(n)
	return w
}

// Stopped sets spec.stopped.
func (w *NotebookWrapper) Stopped(b bool) *NotebookWrapper {
	w.obj.Spec.Stopped = b
	return w
}

// Port sets spec.port.
func (w *NotebookWrapper) Port(port int32) *NotebookWrapper {
	w.obj.Spec.Port = port
	return w
}

// Workspace gives the notebook a workspace of size (such as "10Gi") in
// storageClass ("" leaves it unset) mounted at mountPath ("" leaves it unset).
func (w *NotebookWrapper) Workspace(size, storageClass, mountPath string) *NotebookWrapper {
	ws := &ml.WorkspaceSpec{Size: quantity(size), MountPath: mountPath}
	if storageClass != "" {
		ws.StorageClassName = ptr.To(storageClass)
	}
	w.obj.Spec.Workspace = ws
	return w
}

// NoWorkspace removes the workspace.
func (w *NotebookWrapper) NoWorkspace() *NotebookWrapper {
	w.obj.Spec.Workspace = nil
	return w
}

// IdleTimeout sets spec.idleTimeout.
func (w *NotebookWrapper) IdleTimeout(d time.Duration) *NotebookWrapper {
	w.obj.Spec.IdleTimeout = ml.Duration(d.String())
	return w
}

// Phase sets status.phase.
func (w *NotebookWrapper) Phase(p ml.NotebookPhase) *NotebookWrapper {
	w.obj.Status.Phase = p
	return w
}

// Conditions sets status.conditions.
func (w *NotebookWrapper) Conditions(conditions ...metav1.Condition) *NotebookWrapper {
	w.obj.Status.Conditions = conditions
	return w
}

// StatusReplicas sets status.replicas and status.readyReplicas.
func (w *NotebookWrapper) StatusReplicas(replicas, ready int32) *NotebookWrapper {
	w.obj.Status.Replicas, w.obj.Status.ReadyReplicas = replicas, ready
	return w
}

// Selector sets status.selector.
func (w *NotebookWrapper) Selector(s string) *NotebookWrapper {
	w.obj.Status.Selector = s
	return w
}
