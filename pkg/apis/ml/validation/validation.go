// Package validation checks ml.example.io objects. Every function is pure:
// it looks only at its arguments and returns field errors with full paths.
//
// The entry points are ValidateX (create), ValidateXUpdate and
// ValidateXStatusUpdate for each kind; they expect objects that have been
// defaulted, but treat an unset optional field as "use the default" so they
// also work on objects built in code. The pipeline DAG helpers in dag.go and
// the variable parser in variables.go are exported for the pipeline
// controller, which must agree with validation on what a task depends on.
package validation

import (
	"fmt"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxWorkloadNameLength is the longest name a TrainingJob, Model or Notebook
// may have. Their names become the names of Services (DNS-1035 labels, at
// most 63 characters) and prefix the names of the pods and other children
// made for them: "<name>-<index>" pods, "<name>-canary", "<name>-workspace",
// and the "<name>-<10-character hash>" controller-revision-hash label a
// StatefulSet puts on its pods. 52 leaves room for all of these.
const MaxWorkloadNameLength = 52

// validateWorkloadName is the name rule of kinds whose names become pod and
// Service names: a DNS-1035 label of at most MaxWorkloadNameLength characters.
func validateWorkloadName(name string, prefix bool) []string {
	msgs := apivalidation.NameIsDNS1035Label(name, prefix)
	if !prefix && len(name) > MaxWorkloadNameLength {
		msgs = append(msgs, fmt.Sprintf("must be no more than %d characters, so that the names of the pods and Services made for it stay valid", MaxWorkloadNameLength))
	}
	return msgs
}

// metadataPath is the path of every object's metadata.
var metadataPath = field.NewPath("metadata")

// specPath is the path of every object's spec.
var specPath = field.NewPath("spec")

// statusPath is the path of every object's status.
var statusPath = field.NewPath("status")
