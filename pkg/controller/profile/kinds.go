package profile

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The clients of each kind of child, over the typed clients and listers.

func (c *Controller) serviceAccountClient() kindClient[*corev1.ServiceAccount] {
	return kindClient[*corev1.ServiceAccount]{
		kind: "ServiceAccount",
		cached: func(ns, name string) (*corev1.ServiceAccount, error) {
			return c.serviceAccounts.ServiceAccounts(ns).Get(name)
		},
		live: func(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
			return c.kube.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o *corev1.ServiceAccount, opts metav1.CreateOptions) (*corev1.ServiceAccount, error) {
			return c.kube.CoreV1().ServiceAccounts(o.Namespace).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o *corev1.ServiceAccount, opts metav1.UpdateOptions) (*corev1.ServiceAccount, error) {
			return c.kube.CoreV1().ServiceAccounts(o.Namespace).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.CoreV1().ServiceAccounts(ns).Delete(ctx, name, opts)
		},
		merge: func(existing, _ *corev1.ServiceAccount) (*corev1.ServiceAccount, bool) {
			return existing.DeepCopy(), false
		},
	}
}

func (c *Controller) roleBindingClient() kindClient[*rbacv1.RoleBinding] {
	return kindClient[*rbacv1.RoleBinding]{
		kind:   "RoleBinding",
		cached: func(ns, name string) (*rbacv1.RoleBinding, error) { return c.roleBindings.RoleBindings(ns).Get(name) },
		live: func(ctx context.Context, ns, name string) (*rbacv1.RoleBinding, error) {
			return c.kube.RbacV1().RoleBindings(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o *rbacv1.RoleBinding, opts metav1.CreateOptions) (*rbacv1.RoleBinding, error) {
			return c.kube.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o *rbacv1.RoleBinding, opts metav1.UpdateOptions) (*rbacv1.RoleBinding, error) {
			return c.kube.RbacV1().RoleBindings(o.Namespace).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.RbacV1().RoleBindings(ns).Delete(ctx, name, opts)
		},
		merge: func(existing, desired *rbacv1.RoleBinding) (*rbacv1.RoleBinding, bool) {
			out := existing.DeepCopy()
			changed := !apiequality.Semantic.DeepEqual(out.Subjects, desired.Subjects)
			out.Subjects = desired.Subjects
			return out, changed
		},
	}
}

func (c *Controller) resourceQuotaClient() kindClient[*corev1.ResourceQuota] {
	return kindClient[*corev1.ResourceQuota]{
		kind: "ResourceQuota",
		cached: func(ns, name string) (*corev1.ResourceQuota, error) {
			return c.resourceQuotas.ResourceQuotas(ns).Get(name)
		},
		live: func(ctx context.Context, ns, name string) (*corev1.ResourceQuota, error) {
			return c.kube.CoreV1().ResourceQuotas(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o *corev1.ResourceQuota, opts metav1.CreateOptions) (*corev1.ResourceQuota, error) {
			return c.kube.CoreV1().ResourceQuotas(o.Namespace).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o *corev1.ResourceQuota, opts metav1.UpdateOptions) (*corev1.ResourceQuota, error) {
			return c.kube.CoreV1().ResourceQuotas(o.Namespace).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.CoreV1().ResourceQuotas(ns).Delete(ctx, name, opts)
		},
		merge: func(existing, desired *corev1.ResourceQuota) (*corev1.ResourceQuota, bool) {
			out := existing.DeepCopy()
			changed := !apiequality.Semantic.DeepEqual(out.Spec, desired.Spec)
			out.Spec = *desired.Spec.DeepCopy()
			return out, changed
		},
	}
}

func (c *Controller) limitRangeClient() kindClient[*corev1.LimitRange] {
	return kindClient[*corev1.LimitRange]{
		kind:   "LimitRange",
		cached: func(ns, name string) (*corev1.LimitRange, error) { return c.limitRanges.LimitRanges(ns).Get(name) },
		live: func(ctx context.Context, ns, name string) (*corev1.LimitRange, error) {
			return c.kube.CoreV1().LimitRanges(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o *corev1.LimitRange, opts metav1.CreateOptions) (*corev1.LimitRange, error) {
			return c.kube.CoreV1().LimitRanges(o.Namespace).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o *corev1.LimitRange, opts metav1.UpdateOptions) (*corev1.LimitRange, error) {
			return c.kube.CoreV1().LimitRanges(o.Namespace).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.CoreV1().LimitRanges(ns).Delete(ctx, name, opts)
		},
		merge: func(existing, desired *corev1.LimitRange) (*corev1.LimitRange, bool) {
			out := existing.DeepCopy()
			changed := !apiequality.Semantic.DeepEqual(out.Spec, desired.Spec)
			out.Spec = *desired.Spec.DeepCopy()
			return out, changed
		},
	}
}

func (c *Controller) networkPolicyClient() kindClient[*networkingv1.NetworkPolicy] {
	return kindClient[*networkingv1.NetworkPolicy]{
		kind: "NetworkPolicy",
		cached: func(ns, name string) (*networkingv1.NetworkPolicy, error) {
			return c.networkPolicies.NetworkPolicies(ns).Get(name)
		},
		live: func(ctx context.Context, ns, name string) (*networkingv1.NetworkPolicy, error) {
			return c.kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, name, metav1.GetOptions{})
		},
		create: func(ctx context.Context, o *networkingv1.NetworkPolicy, opts metav1.CreateOptions) (*networkingv1.NetworkPolicy, error) {
			return c.kube.NetworkingV1().NetworkPolicies(o.Namespace).Create(ctx, o, opts)
		},
		update: func(ctx context.Context, o *networkingv1.NetworkPolicy, opts metav1.UpdateOptions) (*networkingv1.NetworkPolicy, error) {
			return c.kube.NetworkingV1().NetworkPolicies(o.Namespace).Update(ctx, o, opts)
		},
		delete: func(ctx context.Context, ns, name string, opts metav1.DeleteOptions) error {
			return c.kube.NetworkingV1().NetworkPolicies(ns).Delete(ctx, name, opts)
		},
		merge: func(existing, desired *networkingv1.NetworkPolicy) (*networkingv1.NetworkPolicy, bool) {
			out := existing.DeepCopy()
			changed := !apiequality.Semantic.DeepEqual(out.Spec, desired.Spec)
			out.Spec = *desired.Spec.DeepCopy()
			return out, changed
		},
	}
}
