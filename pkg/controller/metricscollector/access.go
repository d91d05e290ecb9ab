package metricscollector

import (
	"context"
	"fmt"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// WriterRoleName is the name of the Role (and RoleBinding) that lets the
// pods of a job push its metrics.
func WriterRoleName(job string) string {
	return job + "-metrics-writer"
}

// writerRole lets a job's service account POST the job's metrics, and
// nothing else: create on trainingjobs/metrics with the job's name.
func writerRole(job *mlv1alpha1.TrainingJob) *rbacv1.Role {
	return &rbacv1.Role{
		ObjectMeta: accessMeta(job),
		Rules: []rbacv1.PolicyRule{{
			APIGroups:     []string{mlv1alpha1.GroupName},
			Resources:     []string{"trainingjobs/metrics"},
			ResourceNames: []string{job.Name},
			Verbs:         []string{"create"},
		}},
	}
}

func writerBinding(job *mlv1alpha1.TrainingJob) *rbacv1.RoleBinding {
	sa := job.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return &rbacv1.RoleBinding{
		ObjectMeta: accessMeta(job),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: WriterRoleName(job.Name)},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: job.Namespace}},
	}
}

func accessMeta(job *mlv1alpha1.TrainingJob) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      WriterRoleName(job.Name),
		Namespace: job.Namespace,
		Labels: map[string]string{
			mlv1alpha1.ManagedByLabel:       mlv1alpha1.ControllerName,
			mlv1alpha1.TrainingJobNameLabel: job.Name,
		},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, mlv1alpha1.SchemeGroupVersion.WithKind("TrainingJob"))},
	}
}

// Access grants the pods of jobs the right to push their job's metrics:
// a Role limited by resourceNames to the job, bound to the job's service
// account, owned by the job. Several jobs sharing a service account thus
// share RBAC grants; the server's pod binding check (the token's pod must
// belong to the job) keeps their pods apart.
type Access struct {
	Client       kubernetes.Interface
	FieldManager string

	mu sync.Mutex
	// granted remembers the jobs (UID) already granted, with their
	// service account.
	granted map[string]string
}

// Ensure creates or repairs the Role and RoleBinding of job.
func (a *Access) Ensure(ctx context.Context, job *mlv1alpha1.TrainingJob) error {
	binding := writerBinding(job)
	a.mu.Lock()
	done := a.granted[string(job.UID)] == binding.Subjects[0].Name
	a.mu.Unlock()
	if done {
		return nil
	}
	opts := metav1.CreateOptions{FieldManager: a.FieldManager}
	role := writerRole(job)
	roles := a.Client.RbacV1().Roles(job.Namespace)
	existing, err := roles.Get(ctx, role.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if _, err := roles.Create(ctx, role, opts); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create metrics writer Role for %s: %w", klog.KObj(job), err)
		}
	case err != nil:
		return err
	case !metav1.IsControlledBy(existing, job):
		return fmt.Errorf("role %s/%s exists and does not belong to trainingjob %s", job.Namespace, role.Name, job.Name)
	case !equality.Semantic.DeepEqual(existing.Rules, role.Rules):
		existing.Rules = role.Rules
		if _, err := roles.Update(ctx, existing, metav1.UpdateOptions{FieldManager: a.FieldManager}); err != nil {
			return fmt.Errorf("update metrics writer Role for %s: %w", klog.KObj(job), err)
		}
	}
	bindings := a.Client.RbacV1().RoleBindings(job.Namespace)
	existingBinding, err := bindings.Get(ctx, binding.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if _, err := bindings.Create(ctx, binding, opts); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create metrics writer RoleBinding for %s: %w", klog.KObj(job), err)
		}
	case err != nil:
		return err
	case !metav1.IsControlledBy(existingBinding, job):
		return fmt.Errorf("rolebinding %s/%s exists and does not belong to trainingjob %s", job.Namespace, binding.Name, job.Name)
	case !equality.Semantic.DeepEqual(existingBinding.Subjects, binding.Subjects) || existingBinding.RoleRef != binding.RoleRef:
		// The role reference is immutable: replace the binding.
		if err := bindings.Delete(ctx, binding.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if _, err := bindings.Create(ctx, binding, opts); err != nil {
			return fmt.Errorf("recreate metrics writer RoleBinding for %s: %w", klog.KObj(job), err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.granted == nil || len(a.granted) > 100000 {
		a.granted = map[string]string{}
	}
	a.granted[string(job.UID)] = binding.Subjects[0].Name
	return nil
}
