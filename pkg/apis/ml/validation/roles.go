package validation

import (
	"fmt"
	"strings"

	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// rolesOf are the roles each framework knows, in the order their replicas
// are laid out.
var rolesOf = map[ml.Framework][]string{
	ml.FrameworkTensorFlow: {ml.RoleChief, ml.RoleWorker, ml.RolePS, ml.RoleEvaluator},
	ml.FrameworkMPI:        {ml.RoleLauncher, ml.RoleWorker},
}

// singleRoles are the roles that have at most one replica (launcher
// exactly one).
var singleRoles = sets.New(ml.RoleChief, ml.RoleEvaluator, ml.RoleLauncher)

// validateRoles checks spec.roles (or a runtime template's) for the
// framework: known, unique names; the worker role's count is
// spec.replicas; one launcher, at most one chief and evaluator; and the
// job's replicas of every role together within --max-replicas. framework
// may be empty (a template that leaves it to its jobs, or a job before its
// runtime is merged): any role of any framework is then accepted.
// workers is spec.replicas (nil: not known yet).
func validateRoles(roles []ml.ReplicaRole, framework ml.Framework, workers *int32, opts Options, fldPath *field.Path) field.ErrorList {
	if len(roles) == 0 {
		return nil
	}
	var allErrs field.ErrorList
	known, ok := rolesOf[framework]
	switch {
	case framework == "":
		known = []string{ml.RoleChief, ml.RoleWorker, ml.RolePS, ml.RoleEvaluator, ml.RoleLauncher}
	case !ok:
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("roles are for frameworks TensorFlow (chief, worker, ps, evaluator) and MPI (launcher, worker), not %s", framework))}
	}
	seen := sets.New[string]()
	total := int64(0)
	if workers != nil {
		total = int64(*workers)
	}
	for i, r := range roles {
		rPath := fldPath.Index(i)
		namePath, replicasPath := rPath.Child("name"), rPath.Child("replicas")
		switch {
		case r.Name == "":
			allErrs = append(allErrs, field.Required(namePath, "the role: "+strings.Join(known, ", ")))
		case !sets.New(known...).Has(r.Name):
			allErrs = append(allErrs, field.NotSupported(namePath, r.Name, known))
		case seen.Has(r.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, r.Name))
		}
		seen.Insert(r.Name)
		switch {
		case r.Replicas == nil:
			if r.Name != ml.RoleWorker {
				total++
			}
		case r.Name == ml.RoleWorker:
			allErrs = append(allErrs, field.Forbidden(replicasPath, "the worker role's replica count is spec.replicas (which the scale subresource changes); set that instead"))
		case r.Name == ml.RoleLauncher && *r.Replicas != 1:
			allErrs = append(allErrs, field.Invalid(replicasPath, *r.Replicas, "must be 1: an MPI job has one launcher"))
		case singleRoles.Has(r.Name) && (*r.Replicas < 0 || *r.Replicas > 1):
			allErrs = append(allErrs, field.Invalid(replicasPath, *r.Replicas, fmt.Sprintf("must be 0 or 1: a job has at most one %s", r.Name)))
		default:
			allErrs = append(allErrs, validateMinimum(r.Replicas, 0, replicasPath)...)
			allErrs = append(allErrs, validateMaximum(r.Replicas, opts.MaxReplicas, maxReplicasFlag, replicasPath)...)
			if *r.Replicas > 0 {
				total += int64(*r.Replicas)
			}
		}
		// A role inherits the job's image and command.
		allErrs = append(allErrs, dropImageOrCommandRequired(validateContainerSpec(&r.ContainerSpec, rPath), rPath)...)
		allErrs = append(allErrs, metav1validation.ValidateLabels(r.NodeSelector, rPath.Child("nodeSelector"))...)
		allErrs = append(allErrs, validateTolerations(r.Tolerations, rPath.Child("tolerations"))...)
	}
	if framework == ml.FrameworkMPI && workers != nil && !seen.Has(ml.RoleLauncher) {
		allErrs = append(allErrs, field.Required(fldPath, "an MPI job with roles has a launcher role (name: launcher)"))
	}
	if opts.MaxReplicas > 0 && total > int64(opts.MaxReplicas) {
		allErrs = append(allErrs, field.Invalid(fldPath, total, fmt.Sprintf("the job's replicas of every role (workers included) must be no more than %d (the server's %s)", opts.MaxReplicas, maxReplicasFlag)))
	}
	return allErrs
}
