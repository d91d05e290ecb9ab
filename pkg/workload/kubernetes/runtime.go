package kubernetes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	clientset "k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// Config is what a Runtime needs.
type Config struct {
	// Client writes pods and services.
	Client clientset.Interface
	// Pods and Services are the informers the runtime reads from. They
	// should select the objects carrying Labels, and nothing else.
	Pods     coreinformers.PodInformer
	Services coreinformers.ServiceInformer
	// Deployments, StatefulSets and PersistentVolumeClaims are the
	// informers of served sets and volumes (package workload's Serving).
	// They are optional: a runtime without them serves replicas and
	// services only, and its Serving methods fail.
	Deployments  appsinformers.DeploymentInformer
	StatefulSets appsinformers.StatefulSetInformer
	Volumes      coreinformers.PersistentVolumeClaimInformer
	// FieldManager is the field manager of every write.
	FieldManager string
	// Labels are put on every object the runtime makes.
	Labels map[string]string
	// Artifacts is how pods of replicas with artifacts move them.
	Artifacts ArtifactConfig
}

// Runtime runs replicas as Pods and services as Services.
type Runtime struct {
	client       clientset.Interface
	pods         corelisters.PodLister
	services     corelisters.ServiceLister
	podInformer  cache.SharedIndexInformer
	svcInformer  cache.SharedIndexInformer
	fieldManager string

	// Serving; nil without the optional informers.
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	volumes      corelisters.PersistentVolumeClaimLister
	// informers are all the informers the runtime reads, for HasSynced
	// and AddOwnerHandler.
	informers []cache.SharedIndexInformer
	labels    map[string]string
	artifacts ArtifactConfig
}

var _ workload.ServingRuntime = &Runtime{}

// New returns a runtime over the informers of c. The caller starts them.
func New(c Config) *Runtime {
	r := &Runtime{
		client:       c.Client,
		pods:         c.Pods.Lister(),
		services:     c.Services.Lister(),
		podInformer:  c.Pods.Informer(),
		svcInformer:  c.Services.Informer(),
		fieldManager: c.FieldManager,
		labels:       maps.Clone(c.Labels),
		artifacts:    c.Artifacts,
	}
	r.informers = []cache.SharedIndexInformer{r.podInformer, r.svcInformer}
	if c.Deployments != nil {
		r.deployments = c.Deployments.Lister()
		r.informers = append(r.informers, c.Deployments.Informer())
	}
	if c.StatefulSets != nil {
		r.statefulSets = c.StatefulSets.Lister()
		r.informers = append(r.informers, c.StatefulSets.Informer())
	}
	if c.Volumes != nil {
		r.volumes = c.Volumes.Lister()
		r.informers = append(r.informers, c.Volumes.Informer())
	}
	return r
}

// HasSynced reports whether every informer has listed once.
func (r *Runtime) HasSynced() bool {
	for _, i := range r.informers {
		if !i.HasSynced() {
			return false
		}
	}
	return true
}

// childMeta is the metadata of a child of owner: the template's labels
// under the owner's and the runtime's (which win), and the controller
// reference.
func (r *Runtime) childMeta(owner workload.Owner, name string, labels, annotations map[string]string) metav1.ObjectMeta {
	l := maps.Clone(labels)
	if l == nil {
		l = map[string]string{}
	}
	maps.Copy(l, owner.Labels)
	maps.Copy(l, r.labels)
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       owner.Namespace,
		Labels:          l,
		Annotations:     maps.Clone(annotations),
		OwnerReferences: []metav1.OwnerReference{owner.ControllerRef()},
	}
}

// EnsureReplica creates the pod spec.Name unless the cache has it.
func (r *Runtime) EnsureReplica(ctx context.Context, owner workload.Owner, spec workload.ReplicaSpec) (bool, error) {
	existing, err := r.pods.Pods(owner.Namespace).Get(spec.Name)
	switch {
	case err == nil:
		if !owner.Controls(metav1.GetControllerOfNoCopy(existing)) {
			return false, fmt.Errorf("pod %s: %w", klog.KObj(existing), workload.ErrNotOwned)
		}
		return false, nil
	case !apierrors.IsNotFound(err):
		return false, err
	}
	pod := &corev1.Pod{
		ObjectMeta: r.childMeta(owner, spec.Name, spec.Template.Labels, spec.Template.Annotations),
		Spec:       *spec.Template.Spec.DeepCopy(),
	}
	plan, ok, err := workload.ArtifactPlanOf(&spec.Template)
	if err == nil && ok {
		err = addArtifactSteps(&pod.Spec, plan, r.artifacts)
	}
	if err != nil {
		return false, fmt.Errorf("pod %s: %w", klog.KObj(pod), err)
	}
	_, err = r.client.CoreV1().Pods(owner.Namespace).Create(ctx, pod, metav1.CreateOptions{FieldManager: r.fieldManager})
	if apierrors.IsAlreadyExists(err) {
		// The cache lags behind: the pod is there and will show up.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create pod %s: %w", klog.KObj(pod), err)
	}
	return true, nil
}

// DeleteReplica deletes the pod name if it still has the given UID.
func (r *Runtime) DeleteReplica(ctx context.Context, owner workload.Owner, name, uid string) error {
	opts := metav1.DeleteOptions{}
	if uid != "" {
		opts.Preconditions = metav1.NewUIDPreconditions(uid)
	}
	err := r.client.CoreV1().Pods(owner.Namespace).Delete(ctx, name, opts)
	// Conflict: the UID precondition failed, the pod was replaced.
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("delete pod %s: %w", klog.KRef(owner.Namespace, name), err)
}

// ListReplicas returns the pods owner controls, sorted by name.
func (r *Runtime) ListReplicas(owner workload.Owner) ([]workload.ReplicaStatus, error) {
	pods, err := r.pods.Pods(owner.Namespace).List(owner.Selector())
	if err != nil {
		return nil, err
	}
	out := make([]workload.ReplicaStatus, 0, len(pods))
	for _, pod := range pods {
		if owner.Controls(metav1.GetControllerOfNoCopy(pod)) {
			out = append(out, replicaStatus(pod))
		}
	}
	slices.SortFunc(out, func(a, b workload.ReplicaStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// EnsureService creates the Service spec.Name unless the cache has it.
func (r *Runtime) EnsureService(ctx context.Context, owner workload.Owner, spec workload.ServiceSpec) (bool, error) {
	existing, err := r.services.Services(owner.Namespace).Get(spec.Name)
	switch {
	case err == nil:
		if !owner.Controls(metav1.GetControllerOfNoCopy(existing)) {
			return false, fmt.Errorf("service %s: %w", klog.KObj(existing), workload.ErrNotOwned)
		}
		return false, nil
	case !apierrors.IsNotFound(err):
		return false, err
	}
	svc := &corev1.Service{
		ObjectMeta: r.childMeta(owner, spec.Name, spec.Labels, nil),
		Spec: corev1.ServiceSpec{
			Selector: maps.Clone(spec.Selector),
			Ports:    slices.Clone(spec.Ports),
		},
	}
	if spec.Headless {
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		svc.Spec.PublishNotReadyAddresses = true
	}
	_, err = r.client.CoreV1().Services(owner.Namespace).Create(ctx, svc, metav1.CreateOptions{FieldManager: r.fieldManager})
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create service %s: %w", klog.KObj(svc), err)
	}
	return true, nil
}
