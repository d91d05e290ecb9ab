package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// SpecHashAnnotation is on every Deployment and StatefulSet the runtime
// makes: a hash of the set's selector and template as the runtime last
// wrote them. The stored template carries the server's defaults, so
// comparing hashes (not templates) is how the runtime tells that a set is
// up to date without rewriting it on every sync.
const SpecHashAnnotation = "ml.example.io/spec-hash"

// errNoServing is returned by the Serving methods of a runtime built
// without the informers of sets and volumes.
var errNoServing = errors.New("the workload runtime was built without served sets and volumes")

// EnsureServedSet creates or updates the Deployment (or, for a Stable
// set, the StatefulSet) spec.Name.
func (r *Runtime) EnsureServedSet(ctx context.Context, owner workload.Owner, spec workload.ServedSetSpec) (workload.SetChange, error) {
	if spec.Stable {
		return r.ensureStatefulSet(ctx, owner, spec)
	}
	return r.ensureDeployment(ctx, owner, spec)
}

// setParts are the selector, template and hash of a set, with the
// owner's labels added to the selector and the template, and the runtime's
// labels to the template, so that the set's pods are among those the
// controllers watch (log archiving, metrics) as the replicas are.
func (r *Runtime) setParts(owner workload.Owner, spec workload.ServedSetSpec) (*metav1.LabelSelector, corev1.PodTemplateSpec, string) {
	selector := maps.Clone(spec.Selector)
	if selector == nil {
		selector = map[string]string{}
	}
	maps.Copy(selector, owner.Labels)
	template := *spec.Template.DeepCopy()
	if template.Labels == nil {
		template.Labels = map[string]string{}
	}
	maps.Copy(template.Labels, owner.Labels)
	maps.Copy(template.Labels, r.labels)
	sel := &metav1.LabelSelector{MatchLabels: selector}
	h := fnv.New64a()
	// Marshaling sorts map keys: the same spec always hashes the same.
	b, _ := json.Marshal(struct {
		Selector    *metav1.LabelSelector
		Template    corev1.PodTemplateSpec
		ServiceName string
	}{sel, template, spec.ServiceName})
	_, _ = h.Write(b)
	return sel, template, strconv.FormatUint(h.Sum64(), 36)
}

// upToDate says whether a stored set matches: replicas, hash and labels.
func upToDate(meta *metav1.ObjectMeta, replicas *int32, want workload.ServedSetSpec, wantLabels map[string]string, hash string) bool {
	if ptr.Deref(replicas, 1) != want.Replicas || meta.Annotations[SpecHashAnnotation] != hash {
		return false
	}
	return labels.SelectorFromSet(wantLabels).Matches(labels.Set(meta.Labels))
}

func (r *Runtime) ensureDeployment(ctx context.Context, owner workload.Owner, spec workload.ServedSetSpec) (workload.SetChange, error) {
	if r.deployments == nil {
		return workload.SetUnchanged, errNoServing
	}
	selector, template, hash := r.setParts(owner, spec)
	meta := r.childMeta(owner, spec.Name, spec.Labels, map[string]string{SpecHashAnnotation: hash})
	existing, err := r.deployments.Deployments(owner.Namespace).Get(spec.Name)
	switch {
	case apierrors.IsNotFound(err):
		d := &appsv1.Deployment{
			ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To(spec.Replicas),
				Selector: selector,
				Template: template,
			},
		}
		_, err := r.client.AppsV1().Deployments(owner.Namespace).Create(ctx, d, metav1.CreateOptions{FieldManager: r.fieldManager})
		if apierrors.IsAlreadyExists(err) {
			return workload.SetUnchanged, nil
		}
		if err != nil {
			return workload.SetUnchanged, fmt.Errorf("create deployment %s: %w", klog.KObj(d), err)
		}
		return workload.SetCreated, nil
	case err != nil:
		return workload.SetUnchanged, err
	}
	if !owner.Controls(metav1.GetControllerOfNoCopy(existing)) {
		return workload.SetUnchanged, fmt.Errorf("deployment %s: %w", klog.KObj(existing), workload.ErrNotOwned)
	}
	if upToDate(&existing.ObjectMeta, existing.Spec.Replicas, spec, meta.Labels, hash) {
		return workload.SetUnchanged, nil
	}
	d := existing.DeepCopy()
	mergeMeta(&d.ObjectMeta, meta)
	d.Spec.Replicas = ptr.To(spec.Replicas)
	d.Spec.Template = template
	if _, err := r.client.AppsV1().Deployments(owner.Namespace).Update(ctx, d, metav1.UpdateOptions{FieldManager: r.fieldManager}); err != nil {
		return workload.SetUnchanged, fmt.Errorf("update deployment %s: %w", klog.KObj(d), err)
	}
	return workload.SetUpdated, nil
}

func (r *Runtime) ensureStatefulSet(ctx context.Context, owner workload.Owner, spec workload.ServedSetSpec) (workload.SetChange, error) {
	if r.statefulSets == nil {
		return workload.SetUnchanged, errNoServing
	}
	selector, template, hash := r.setParts(owner, spec)
	meta := r.childMeta(owner, spec.Name, spec.Labels, map[string]string{SpecHashAnnotation: hash})
	existing, err := r.statefulSets.StatefulSets(owner.Namespace).Get(spec.Name)
	switch {
	case apierrors.IsNotFound(err):
		s := &appsv1.StatefulSet{
			ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{
				Replicas:    ptr.To(spec.Replicas),
				Selector:    selector,
				Template:    template,
				ServiceName: spec.ServiceName,
			},
		}
		_, err := r.client.AppsV1().StatefulSets(owner.Namespace).Create(ctx, s, metav1.CreateOptions{FieldManager: r.fieldManager})
		if apierrors.IsAlreadyExists(err) {
			return workload.SetUnchanged, nil
		}
		if err != nil {
			return workload.SetUnchanged, fmt.Errorf("create statefulset %s: %w", klog.KObj(s), err)
		}
		return workload.SetCreated, nil
	case err != nil:
		return workload.SetUnchanged, err
	}
	if !owner.Controls(metav1.GetControllerOfNoCopy(existing)) {
		return workload.SetUnchanged, fmt.Errorf("statefulset %s: %w", klog.KObj(existing), workload.ErrNotOwned)
	}
	if upToDate(&existing.ObjectMeta, existing.Spec.Replicas, spec, meta.Labels, hash) {
		return workload.SetUnchanged, nil
	}
	s := existing.DeepCopy()
	mergeMeta(&s.ObjectMeta, meta)
	s.Spec.Replicas = ptr.To(spec.Replicas)
	s.Spec.Template = template
	if _, err := r.client.AppsV1().StatefulSets(owner.Namespace).Update(ctx, s, metav1.UpdateOptions{FieldManager: r.fieldManager}); err != nil {
		return workload.SetUnchanged, fmt.Errorf("update statefulset %s: %w", klog.KObj(s), err)
	}
	return workload.SetUpdated, nil
}

// mergeMeta puts the runtime's labels and annotations over a stored
// object's, keeping what others added.
func mergeMeta(stored *metav1.ObjectMeta, want metav1.ObjectMeta) {
	if stored.Labels == nil {
		stored.Labels = map[string]string{}
	}
	maps.Copy(stored.Labels, want.Labels)
	if stored.Annotations == nil {
		stored.Annotations = map[string]string{}
	}
	maps.Copy(stored.Annotations, want.Annotations)
}

// DeleteServedSet deletes the Deployment or StatefulSet name of owner if it
// still has the given UID; the garbage collector deletes its pods.
func (r *Runtime) DeleteServedSet(ctx context.Context, owner workload.Owner, name, uid string) error {
	if r.deployments == nil || r.statefulSets == nil {
		return errNoServing
	}
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	if uid != "" {
		opts.Preconditions = metav1.NewUIDPreconditions(uid)
	}
	var err error
	if _, getErr := r.statefulSets.StatefulSets(owner.Namespace).Get(name); getErr == nil {
		err = r.client.AppsV1().StatefulSets(owner.Namespace).Delete(ctx, name, opts)
	} else {
		err = r.client.AppsV1().Deployments(owner.Namespace).Delete(ctx, name, opts)
	}
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("delete %s: %w", klog.KRef(owner.Namespace, name), err)
}

// ListServedSets returns the Deployments and StatefulSets owner controls.
func (r *Runtime) ListServedSets(owner workload.Owner) ([]workload.ServedSetStatus, error) {
	if r.deployments == nil || r.statefulSets == nil {
		return nil, errNoServing
	}
	deployments, err := r.deployments.Deployments(owner.Namespace).List(owner.Selector())
	if err != nil {
		return nil, err
	}
	sets, err := r.statefulSets.StatefulSets(owner.Namespace).List(owner.Selector())
	if err != nil {
		return nil, err
	}
	var out []workload.ServedSetStatus
	for _, d := range deployments {
		if owner.Controls(metav1.GetControllerOfNoCopy(d)) {
			out = append(out, r.withPodProblem(deploymentStatus(d), d.Namespace, d.Spec.Selector))
		}
	}
	for _, s := range sets {
		if owner.Controls(metav1.GetControllerOfNoCopy(s)) {
			out = append(out, r.withPodProblem(statefulSetStatus(s), s.Namespace, s.Spec.Selector))
		}
	}
	slices.SortFunc(out, func(a, b workload.ServedSetStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// deploymentStatus reads a set's status from its Deployment: available by
// its Available condition, failed when its rollout passed the progress
// deadline or its replicas cannot be created.
func deploymentStatus(d *appsv1.Deployment) workload.ServedSetStatus {
	s := workload.ServedSetStatus{
		Name:              d.Name,
		UID:               string(d.UID),
		Labels:            d.Labels,
		Replicas:          ptr.Deref(d.Spec.Replicas, 1),
		Observed:          d.Status.ObservedGeneration >= d.Generation,
		CurrentReplicas:   d.Status.Replicas,
		ReadyReplicas:     d.Status.ReadyReplicas,
		AvailableReplicas: d.Status.AvailableReplicas,
		UpdatedReplicas:   d.Status.UpdatedReplicas,
	}
	for _, c := range d.Status.Conditions {
		switch {
		case c.Type == appsv1.DeploymentAvailable:
			s.Available = c.Status == corev1.ConditionTrue
		case c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded",
			c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			s.Failed, s.Reason, s.Message = true, c.Reason, c.Message
		}
	}
	return s
}

// statefulSetStatus reads a stable set's status from its StatefulSet,
// which is available once all its replicas are.
func statefulSetStatus(st *appsv1.StatefulSet) workload.ServedSetStatus {
	replicas := ptr.Deref(st.Spec.Replicas, 1)
	s := workload.ServedSetStatus{
		Name:              st.Name,
		UID:               string(st.UID),
		Labels:            st.Labels,
		Replicas:          replicas,
		Observed:          st.Status.ObservedGeneration >= st.Generation,
		CurrentReplicas:   st.Status.Replicas,
		ReadyReplicas:     st.Status.ReadyReplicas,
		AvailableReplicas: st.Status.AvailableReplicas,
		UpdatedReplicas:   st.Status.UpdatedReplicas,
	}
	s.Available = s.Observed && st.Status.AvailableReplicas >= replicas
	return s
}

// EnsureVolume creates the PersistentVolumeClaim spec.Name (ReadWriteOnce,
// of spec.Size) unless the cache has it.
func (r *Runtime) EnsureVolume(ctx context.Context, owner workload.Owner, spec workload.VolumeSpec) (bool, error) {
	if r.volumes == nil {
		return false, errNoServing
	}
	existing, err := r.volumes.PersistentVolumeClaims(owner.Namespace).Get(spec.Name)
	switch {
	case err == nil:
		if !owner.Controls(metav1.GetControllerOfNoCopy(existing)) {
			return false, fmt.Errorf("persistentvolumeclaim %s: %w", klog.KObj(existing), workload.ErrNotOwned)
		}
		return false, nil
	case !apierrors.IsNotFound(err):
		return false, err
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: r.childMeta(owner, spec.Name, spec.Labels, nil),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: spec.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: spec.Size},
			},
		},
	}
	_, err = r.client.CoreV1().PersistentVolumeClaims(owner.Namespace).Create(ctx, pvc, metav1.CreateOptions{FieldManager: r.fieldManager})
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create persistentvolumeclaim %s: %w", klog.KObj(pvc), err)
	}
	return true, nil
}

// ListVolumes returns the PersistentVolumeClaims owner controls.
func (r *Runtime) ListVolumes(owner workload.Owner) ([]workload.VolumeStatus, error) {
	if r.volumes == nil {
		return nil, errNoServing
	}
	claims, err := r.volumes.PersistentVolumeClaims(owner.Namespace).List(owner.Selector())
	if err != nil {
		return nil, err
	}
	var out []workload.VolumeStatus
	for _, c := range claims {
		if !owner.Controls(metav1.GetControllerOfNoCopy(c)) {
			continue
		}
		phase := workload.VolumePending
		switch c.Status.Phase {
		case corev1.ClaimBound:
			phase = workload.VolumeBound
		case corev1.ClaimLost:
			phase = workload.VolumeLost
		}
		out = append(out, workload.VolumeStatus{Name: c.Name, UID: string(c.UID), Phase: phase, Terminating: c.DeletionTimestamp != nil})
	}
	slices.SortFunc(out, func(a, b workload.VolumeStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
