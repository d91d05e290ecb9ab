package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
)

// BackoffOptions are the flags of the back-off before a failed
// TrainingJob replica is replaced, as a Kubernetes Job's backoffLimit
// promises: the base after the first failure, doubling after each, at
// most the max.
type BackoffOptions struct {
	Base, Max time.Duration
}

// NewBackoffOptions returns the defaults of a Kubernetes Job: 10s, at most
// 6 minutes.
func NewBackoffOptions() BackoffOptions {
	return BackoffOptions{Base: trainingjob.DefaultBackoffBase, Max: trainingjob.DefaultBackoffMax}
}

// AddFlags adds the back-off flags to fs.
func (o *BackoffOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.Base, "failed-replica-backoff", o.Base,
		"How long the TrainingJob controller waits after the first failure of a replica before replacing it; the wait doubles after each failure, up to --failed-replica-backoff-max.")
	fs.DurationVar(&o.Max, "failed-replica-backoff-max", o.Max,
		"The longest wait before replacing a failed TrainingJob replica.")
}

// Validate checks the back-off flags.
func (o *BackoffOptions) Validate() []error {
	if o.Base <= 0 || o.Max < o.Base {
		return []error{fmt.Errorf("--failed-replica-backoff (%v) must be positive and at most --failed-replica-backoff-max (%v)", o.Base, o.Max)}
	}
	return nil
}

// Config is the manager's configuration of the back-off.
func (o *BackoffOptions) Config() controller.BackoffConfig {
	return controller.BackoffConfig{Base: o.Base, Max: o.Max}
}
