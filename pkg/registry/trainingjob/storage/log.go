package storage

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// logKind makes the log subresource of TrainingJobs show the logs of the
// job's pods, [replica-N] before each line, or one replica's with
// ?replica=N.
type logKind struct{}

// Pods are those labelled with the job's name.
func (logKind) Pods(obj runtime.Object) (labels.Selector, []string) {
	job := obj.(*ml.TrainingJob)
	return labels.SelectorFromSet(labels.Set{mlv1alpha1.TrainingJobNameLabel: job.Name}), nil
}

// Label is replica-<rank> for a pod the job controls, <role>-<index> for
// one of a job with roles.
func (logKind) Label(obj runtime.Object, pod *workload.Pod) (string, bool) {
	job := obj.(*ml.TrainingJob)
	if pod.ControllerUID != job.UID {
		return "", false
	}
	if i, ok := pod.Labels[mlv1alpha1.ReplicaIndexLabel]; ok {
		if role := pod.Labels[mlv1alpha1.ReplicaRoleLabel]; role != "" {
			return role + "-" + i, true
		}
		return "replica-" + i, true
	}
	return pod.Name, true
}

// Select picks a replica by index, role and index (worker-1), or pod
// name; or every replica of a role (ps).
func (logKind) Select(_ runtime.Object, o *ml.LogOptions) (func(pod, label string) bool, field.ErrorList) {
	if errs := logs.NoTask(o, "trainingjobs"); len(errs) > 0 {
		return nil, errs
	}
	if o.Replica == "" {
		return logs.SelectAll, nil
	}
	role := roleNames.Has(o.Replica)
	return func(pod, label string) bool {
		return label == "replica-"+o.Replica || label == o.Replica || pod == o.Replica ||
			role && strings.HasPrefix(label, o.Replica+"-")
	}, nil
}

// roleNames are the roles a TrainingJob's replicas may have.
var roleNames = sets.New(ml.RoleChief, ml.RoleWorker, ml.RolePS, ml.RoleEvaluator, ml.RoleLauncher)
