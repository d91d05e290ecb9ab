package profile

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// finalize acts on a deleted profile that still has the finalizer: with
// deletionPolicy Delete it deletes the namespace; with Retain (the
// default) it leaves the namespace and everything in it as they are, no
// longer the profile's (the profile's label and owner references are
// removed, so the garbage collector keeps the bindings, quota and policy
// too, and a new profile of that name does not adopt the namespace). Then
// it removes the finalizer.
func (c *Controller) finalize(ctx context.Context, stored *mlv1alpha1.Profile) error {
	if !slices.Contains(stored.Finalizers, Finalizer) {
		return nil
	}
	p := stored.DeepCopy()
	if p.Status.Phase != mlv1alpha1.ProfileTerminating {
		p.Status.Phase = mlv1alpha1.ProfileTerminating
		written, err := c.client.MlV1alpha1().Profiles().UpdateStatus(ctx, p, metav1.UpdateOptions{FieldManager: c.fieldManager})
		if err != nil {
			return fmt.Errorf("update status of %s: %w", klog.KObj(p), err)
		}
		p = written.DeepCopy()
	}

	ns, err := c.kube.CoreV1().Namespaces().Get(ctx, p.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get namespace %s: %w", p.Name, err)
	case !isOurs(ns, p.Name):
		// Someone else's namespace, refused when the profile was made.
	case p.Spec.DeletionPolicy == mlv1alpha1.ProfileDeletionDelete:
		if ns.DeletionTimestamp == nil {
			uid := ns.UID
			err := c.kube.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete namespace %s: %w", ns.Name, err)
			}
			c.recorder.Eventf(p, corev1.EventTypeNormal, EventDeletingNamespace, "Deleting namespace %s and everything in it (deletionPolicy Delete)", ns.Name)
		}
	default:
		if err := c.retain(ctx, p, ns); err != nil {
			return err
		}
		c.recorder.Eventf(p, corev1.EventTypeNormal, EventRetained, "Kept namespace %s and everything in it, no longer managed by a profile (deletionPolicy Retain)", ns.Name)
	}

	p.Finalizers = slices.DeleteFunc(p.Finalizers, func(f string) bool { return f == Finalizer })
	if _, err := c.client.MlV1alpha1().Profiles().Update(ctx, p, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove the finalizer of %s: %w", klog.KObj(p), err)
	}
	return nil
}

// retain releases the namespace and the profile's children in it: their
// profile and managed-by labels and their owner references to the profile
// are removed. The namespace goes last, so a failure is retried while the
// profile still finds it.
func (c *Controller) retain(ctx context.Context, p *mlv1alpha1.Profile, ns *corev1.Namespace) error {
	sel := labels.SelectorFromSet(childLabels(p.Name))
	errs := []error{
		release(ctx, c.serviceAccountClient(), p, func() ([]*corev1.ServiceAccount, error) { return c.serviceAccounts.ServiceAccounts(p.Name).List(sel) }),
		release(ctx, c.roleBindingClient(), p, func() ([]*rbacv1.RoleBinding, error) { return c.roleBindings.RoleBindings(p.Name).List(sel) }),
		release(ctx, c.resourceQuotaClient(), p, func() ([]*corev1.ResourceQuota, error) { return c.resourceQuotas.ResourceQuotas(p.Name).List(sel) }),
		release(ctx, c.limitRangeClient(), p, func() ([]*corev1.LimitRange, error) { return c.limitRanges.LimitRanges(p.Name).List(sel) }),
		release(ctx, c.networkPolicyClient(), p, func() ([]*networkingv1.NetworkPolicy, error) {
			return c.networkPolicies.NetworkPolicies(p.Name).List(sel)
		}),
	}
	if err := utilerrors.NewAggregate(errs); err != nil {
		return err
	}
	released := ns.DeepCopy()
	if !unmanage(released, p.UID) {
		return nil
	}
	if _, err := c.kube.CoreV1().Namespaces().Update(ctx, released, metav1.UpdateOptions{FieldManager: c.fieldManager}); err != nil {
		return fmt.Errorf("release namespace %s: %w", ns.Name, err)
	}
	return nil
}

// release removes the profile's labels and owner references from the
// children list returns.
func release[T object](ctx context.Context, k kindClient[T], p *mlv1alpha1.Profile, list func() ([]T, error)) error {
	children, err := list()
	if err != nil {
		return err
	}
	var errs []error
	for _, child := range children {
		obj := child.DeepCopyObject().(T)
		if !unmanage(obj, p.UID) {
			continue
		}
		if _, err := k.update(ctx, obj, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("release %s %s/%s: %w", k.kind, obj.GetNamespace(), obj.GetName(), err))
		}
	}
	return utilerrors.NewAggregate(errs)
}

// unmanage removes the profile and managed-by labels and the owner
// references to uid from obj; it reports whether obj changed.
func unmanage(obj metav1.Object, uid types.UID) bool {
	l := obj.GetLabels()
	_, hadProfile := l[ProfileLabel]
	_, hadManager := l[mlv1alpha1.ManagedByLabel]
	delete(l, ProfileLabel)
	if l[mlv1alpha1.ManagedByLabel] == mlv1alpha1.ControllerName {
		delete(l, mlv1alpha1.ManagedByLabel)
	} else {
		hadManager = false
	}
	obj.SetLabels(l)
	refs := obj.GetOwnerReferences()
	kept := slices.DeleteFunc(slices.Clone(refs), func(r metav1.OwnerReference) bool { return r.UID == uid })
	obj.SetOwnerReferences(kept)
	return hadProfile || hadManager || len(kept) != len(refs)
}
