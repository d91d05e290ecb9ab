package validation

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// nulDetail says why a NUL byte is refused: the local runtime passes these
// strings to execve(2), and a container runtime to the kernel too, where a
// C string ends at the first NUL. The process would fail to start, or run
// with a truncated argument, long after the object was accepted.
const nulDetail = "must not contain a NUL byte (\\x00): process arguments, environment and paths are C strings"

// hasNUL says whether s contains a NUL byte.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// validateNoNUL refuses a NUL byte in a string that reaches a process.
func validateNoNUL(s string, fldPath *field.Path) field.ErrorList {
	if hasNUL(s) {
		return field.ErrorList{field.Invalid(fldPath, s, nulDetail)}
	}
	return nil
}

// validateNoNULs is validateNoNUL for each string of a list.
func validateNoNULs(values []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, s := range values {
		allErrs = append(allErrs, validateNoNUL(s, fldPath.Index(i))...)
	}
	return allErrs
}

// validateProcess checks what becomes a process: the image, the command
// and its arguments. fldPath is the struct that holds them.
func validateProcess(image string, command, args []string, fldPath *field.Path) field.ErrorList {
	allErrs := validateImageOrCommand(image, command, fldPath)
	allErrs = append(allErrs, validateNoNUL(image, fldPath.Child("image"))...)
	allErrs = append(allErrs, validateNoNULs(command, fldPath.Child("command"))...)
	allErrs = append(allErrs, validateNoNULs(args, fldPath.Child("args"))...)
	return allErrs
}
