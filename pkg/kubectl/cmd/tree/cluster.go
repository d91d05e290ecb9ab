package tree

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// labelKeys is the label the controller puts on every child of an object
// of each resource, with the object's name (a pipeline run's is shortened
// with a hash when too long, so its children are found by the key and
// kept by ownership).
var labelKeys = map[string]string{
	"trainingjobs": mlv1alpha1.TrainingJobNameLabel,
	"pipelineruns": mlv1alpha1.PipelineRunNameLabel,
	"models":       mlv1alpha1.ModelNameLabel,
	"notebooks":    mlv1alpha1.NotebookNameLabel,
}

// clusterChildren lists the objects labelled as obj's children and nests
// them by ownerReferences under obj. A labelled object whose owners are
// not in the tree hangs under obj. Kinds the user may not list are left
// out with a warning.
func (o *Options) clusterChildren(ctx context.Context, obj *object) ([]*node, error) {
	selector := labelKeys[o.target.Resource]
	if o.target.Resource != "pipelineruns" {
		selector += "=" + obj.Name
	}
	opts := metav1.ListOptions{LabelSelector: selector}
	ns := o.target.Namespace
	var all []*node
	for _, l := range []struct {
		resource string
		list     func() ([]*node, error)
	}{
		{"services", func() ([]*node, error) {
			l, err := o.kube.CoreV1().Services(ns).List(ctx, opts)
			return convert(l, err, func(l *corev1.ServiceList) []*node { return each(l.Items, serviceNode) })
		}},
		{"persistentvolumeclaims", func() ([]*node, error) {
			l, err := o.kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, opts)
			return convert(l, err, func(l *corev1.PersistentVolumeClaimList) []*node { return each(l.Items, claimNode) })
		}},
		{"deployments.apps", func() ([]*node, error) {
			l, err := o.kube.AppsV1().Deployments(ns).List(ctx, opts)
			return convert(l, err, func(l *appsv1.DeploymentList) []*node { return each(l.Items, deploymentNode) })
		}},
		{"statefulsets.apps", func() ([]*node, error) {
			l, err := o.kube.AppsV1().StatefulSets(ns).List(ctx, opts)
			return convert(l, err, func(l *appsv1.StatefulSetList) []*node { return each(l.Items, statefulSetNode) })
		}},
		{"replicasets.apps", func() ([]*node, error) {
			l, err := o.kube.AppsV1().ReplicaSets(ns).List(ctx, opts)
			return convert(l, err, func(l *appsv1.ReplicaSetList) []*node { return each(l.Items, replicaSetNode) })
		}},
		{"pods", func() ([]*node, error) {
			l, err := o.kube.CoreV1().Pods(ns).List(ctx, opts)
			return convert(l, err, func(l *corev1.PodList) []*node { return each(l.Items, podNode) })
		}},
	} {
		nodes, err := l.list()
		if apierrors.IsForbidden(err) {
			fmt.Fprintf(o.ErrOut, "Warning: %s are not shown: %v\n", l.resource, err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", l.resource, err)
		}
		all = append(all, nodes...)
	}
	return nest(obj.UID, all, o.target.Resource == "pipelineruns"), nil
}

// nest hangs each node under its owner among nodes; the rest hang under
// root when root owns them or, unless owned is set (children found by a
// label key alone), when their owners are not in the tree.
func nest(root types.UID, nodes []*node, owned bool) []*node {
	byUID := make(map[types.UID]*node, len(nodes))
	for _, n := range nodes {
		byUID[n.uid] = n
	}
	var top []*node
	for _, n := range nodes {
		var parent *node
		for _, uid := range n.owners {
			if p := byUID[uid]; p != nil && p != n {
				parent = p
				break
			}
		}
		switch {
		case parent != nil:
			parent.children = append(parent.children, n)
		case slices.Contains(n.owners, root), !owned:
			top = append(top, n)
		}
	}
	return top
}

func convert[L any](l L, err error, nodes func(L) []*node) ([]*node, error) {
	if err != nil {
		return nil, err
	}
	return nodes(l), nil
}

func each[T any](items []T, toNode func(*T) *node) []*node {
	out := make([]*node, 0, len(items))
	for i := range items {
		out = append(out, toNode(&items[i]))
	}
	return out
}

func metaNode(kind string, m *metav1.ObjectMeta, status string) *node {
	n := &node{name: kind + "/" + m.Name, status: status, created: m.CreationTimestamp.Time, uid: m.UID}
	for _, r := range m.OwnerReferences {
		n.owners = append(n.owners, r.UID)
	}
	return n
}

func serviceNode(s *corev1.Service) *node {
	return metaNode("service", &s.ObjectMeta, string(s.Spec.Type))
}

func claimNode(c *corev1.PersistentVolumeClaim) *node {
	return metaNode("persistentvolumeclaim", &c.ObjectMeta, string(c.Status.Phase))
}

func deploymentNode(d *appsv1.Deployment) *node {
	return metaNode("deployment.apps", &d.ObjectMeta, ready(d.Status.ReadyReplicas, d.Spec.Replicas))
}

func statefulSetNode(s *appsv1.StatefulSet) *node {
	return metaNode("statefulset.apps", &s.ObjectMeta, ready(s.Status.ReadyReplicas, s.Spec.Replicas))
}

func replicaSetNode(r *appsv1.ReplicaSet) *node {
	return metaNode("replicaset.apps", &r.ObjectMeta, ready(r.Status.ReadyReplicas, r.Spec.Replicas))
}

func ready(n int32, of *int32) string {
	want := int32(1)
	if of != nil {
		want = *of
	}
	return fmt.Sprintf("%d/%d ready", n, want)
}

// podNode says what kubectl get pods says in STATUS: the phase, or why a
// container waits or ended (ImagePullBackOff, OOMKilled, ...).
func podNode(p *corev1.Pod) *node {
	status := string(p.Status.Phase)
	if p.Status.Reason != "" {
		status = p.Status.Reason
	}
	for _, c := range p.Status.ContainerStatuses {
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			status = c.State.Waiting.Reason
		case c.State.Terminated != nil && c.State.Terminated.Reason != "" && p.Status.Phase != corev1.PodSucceeded:
			status = c.State.Terminated.Reason
		}
	}
	if p.DeletionTimestamp != nil {
		status = "Terminating"
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason != "" {
			status = strings.TrimSpace(c.Reason)
		}
	}
	return metaNode("pod", &p.ObjectMeta, status)
}
