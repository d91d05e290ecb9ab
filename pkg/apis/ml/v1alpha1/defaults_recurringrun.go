package v1alpha1

import "k8s.io/utils/ptr"

// Defaults of a RecurringRun.
const (
	DefaultSuccessfulRunsHistoryLimit int32 = 3
	DefaultFailedRunsHistoryLimit     int32 = 1
)

// SetDefaults_RecurringRunSpec defaults the concurrency policy (Allow, as
// a CronJob's) and the history limits.
func SetDefaults_RecurringRunSpec(obj *RecurringRunSpec) {
	if obj.ConcurrencyPolicy == "" {
		obj.ConcurrencyPolicy = ConcurrencyAllow
	}
	if obj.SuccessfulRunsHistoryLimit == nil {
		obj.SuccessfulRunsHistoryLimit = ptr.To(DefaultSuccessfulRunsHistoryLimit)
	}
	if obj.FailedRunsHistoryLimit == nil {
		obj.FailedRunsHistoryLimit = ptr.To(DefaultFailedRunsHistoryLimit)
	}
}
