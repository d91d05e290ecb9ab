package testing

import (
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionTime is the lastTransitionTime of conditions made by Condition,
// fixed so that tests are repeatable.
var conditionTime = metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))

// Condition returns a valid condition of the given type, status and reason.
func Condition(condType string, status metav1.ConditionStatus, reason string) metav1.Condition {
	return metav1.Condition{Type: condType, Status: status, Reason: reason, LastTransitionTime: conditionTime}
}

// quantity parses q; builders panic on a bad literal, as tests want.
func quantity(q string) *resource.Quantity {
	v := resource.MustParse(q)
	return &v
}
