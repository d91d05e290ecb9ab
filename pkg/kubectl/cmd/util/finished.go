package util

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// finalPhases are the phases after which an object runs nothing any more.
var finalPhases = map[string]bool{"Succeeded": true, "Failed": true, "Canceled": true}

// finalConditions are the condition types that, when True, say an object
// has ended (Complete is the TrainingJob's, as on a Kubernetes Job).
var finalConditions = []string{"Succeeded", "Complete", "Failed"}

// Finished says whether obj has ended, and how: a final phase (Succeeded,
// Failed, Canceled) or a True Succeeded, Complete or Failed condition.
// Commands that watch (`metrics --watch`) stop there.
func Finished(obj *unstructured.Unstructured) (string, bool) {
	if obj == nil {
		return "", false
	}
	if phase, _, _ := unstructured.NestedString(obj.Object, "status", "phase"); finalPhases[phase] {
		return phase, true
	}
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, want := range finalConditions {
		for _, c := range conditions {
			m, ok := c.(map[string]any)
			if ok && m["type"] == want && m["status"] == "True" {
				return want, true
			}
		}
	}
	return "", false
}
