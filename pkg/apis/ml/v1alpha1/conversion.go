package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

func init() {
	localSchemeBuilder.Register(addFieldLabelConversionFuncs)
}

// commonFieldLabels are the field selectors every kind supports.
var commonFieldLabels = []string{"metadata.name", "metadata.namespace", "status.phase"}

// kindFieldLabels are the field selectors each kind supports beyond the
// common ones. The registry's selectable fields must offer the same set.
var kindFieldLabels = map[string][]string{
	"Pipeline":     nil,
	"PipelineRun":  {"spec.pipelineRef.name"},
	"TrainingJob":  {"spec.framework"},
	"Model":        {"spec.source.trainingJobRef.name"},
	"Notebook":     nil,
	"RecurringRun": nil,
	"TuningJob":    nil,
}

// addFieldLabelConversionFuncs lets clients select objects of each kind by
// the fields the registry indexes, and rejects every other field label.
func addFieldLabelConversionFuncs(scheme *runtime.Scheme) error {
	for kind, labels := range kindFieldLabels {
		supported := make(map[string]bool, len(commonFieldLabels)+len(labels))
		for _, label := range append(append([]string{}, commonFieldLabels...), labels...) {
			supported[label] = true
		}
		convert := func(label, value string) (string, string, error) {
			if !supported[label] {
				return "", "", fmt.Errorf("field label not supported: %s", label)
			}
			return label, value, nil
		}
		if err := scheme.AddFieldLabelConversionFunc(SchemeGroupVersion.WithKind(kind), convert); err != nil {
			return fmt.Errorf("add field label conversion of %s: %w", kind, err)
		}
	}
	return nil
}
