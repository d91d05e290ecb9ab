package validation

import (
	"fmt"
	"path"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var notebookPhases = phaseNames(ml.NotebookPending, ml.NotebookRunning, ml.NotebookStopped, ml.NotebookFailed)

// defaultWorkspaceMountPath is where an unset workspace.mountPath is
// defaulted to; mounts must not collide with it.
const defaultWorkspaceMountPath = "/home/jovyan"

// ValidateNotebook validates a Notebook on create.
func ValidateNotebook(obj *ml.Notebook) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&obj.ObjectMeta, true, validateWorkloadName, metadataPath)
	return append(allErrs, validateNotebookSpec(&obj.Spec, specPath)...)
}

func validateNotebookSpec(spec *ml.NotebookSpec, fldPath *field.Path) field.ErrorList {
	allErrs := validateContainerSpec(&spec.ContainerSpec, fldPath)
	allErrs = append(allErrs, validatePodOptions(&spec.PodOptions, fldPath)...)
	// A notebook is one pod on one ReadWriteOnce volume: it runs or it doesn't.
	if spec.Replicas != nil && *spec.Replicas != 0 && *spec.Replicas != 1 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("replicas"), *spec.Replicas, "must be 0 or 1"))
	}
	allErrs = append(allErrs, validatePort(spec.Port, fldPath.Child("port"))...)
	if ws := spec.Workspace; ws != nil {
		wsPath := fldPath.Child("workspace")
		if ws.Size != nil && ws.Size.Sign() <= 0 {
			allErrs = append(allErrs, field.Invalid(wsPath.Child("size"), ws.Size.String(), "must be greater than zero"))
		}
		if ws.StorageClassName != nil && *ws.StorageClassName != "" {
			for _, msg := range apivalidation.NameIsDNSSubdomain(*ws.StorageClassName, false) {
				allErrs = append(allErrs, field.Invalid(wsPath.Child("storageClassName"), *ws.StorageClassName, msg))
			}
		}
		mountPath := ws.MountPath
		if mountPath != "" && !path.IsAbs(mountPath) {
			allErrs = append(allErrs, field.Invalid(wsPath.Child("mountPath"), mountPath, "must be an absolute path"))
		}
		if mountPath == "" {
			mountPath = defaultWorkspaceMountPath
		}
		for i, m := range spec.VolumeMounts {
			if path.Clean(m.MountPath) == path.Clean(mountPath) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("volumeMounts").Index(i).Child("mountPath"), m.MountPath,
					fmt.Sprintf("must differ from %s, where the workspace is mounted", wsPath.Child("mountPath"))))
			}
		}
	}
	_, errs := validatePositiveDuration(spec.IdleTimeout, fldPath.Child("idleTimeout"))
	allErrs = append(allErrs, errs...)
	return allErrs
}

// ValidateNotebookUpdate validates an update of a Notebook. The workspace
// volume is made once: whether there is one, its size and its storage
// class cannot change, since a PersistentVolumeClaim cannot be moved to
// another class and resizing depends on the class.
func ValidateNotebookUpdate(obj, old *ml.Notebook) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	allErrs = append(allErrs, validateNotebookSpec(&obj.Spec, specPath)...)
	wsPath := specPath.Child("workspace")
	ws, oldWS := obj.Spec.Workspace, old.Spec.Workspace
	switch {
	case ws == nil && oldWS != nil:
		allErrs = append(allErrs, field.Forbidden(wsPath, "the workspace may not be removed after creation"))
	case ws != nil && oldWS == nil:
		allErrs = append(allErrs, field.Forbidden(wsPath, "a workspace may not be added after creation"))
	case ws != nil:
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(ws.Size, oldWS.Size, wsPath.Child("size"))...)
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(ws.StorageClassName, oldWS.StorageClassName, wsPath.Child("storageClassName"))...)
	}
	return allErrs
}

// ValidateNotebookStatusUpdate validates an update of a Notebook's status.
func ValidateNotebookStatusUpdate(obj, old *ml.Notebook) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&obj.ObjectMeta, &old.ObjectMeta, metadataPath)
	s := &obj.Status
	allErrs = append(allErrs, validateStatusCommon(s.ObservedGeneration, s.Conditions, string(s.Phase), notebookPhases, statusPath)...)
	allErrs = append(allErrs, validateCounts(statusPath, map[string]int32{"replicas": s.Replicas, "readyReplicas": s.ReadyReplicas})...)
	allErrs = append(allErrs, validateSelector(s.Selector, statusPath.Child("selector"))...)
	return allErrs
}
