package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/standalone"
)

// Bounds of --metrics-credential-lifetime: long enough that renewing at
// half of it is never a burden, short enough that a copied certificate
// soon stops working even before its object is deleted.
const (
	minMetricsCredentialLifetime = 2 * time.Minute
	maxMetricsCredentialLifetime = 7 * 24 * time.Hour
)

// MetricsCredentialOptions configure the client certificates standalone
// mode gives the processes of an object to push its metrics.
type MetricsCredentialOptions struct {
	// Lifetime is how long each certificate is valid; it is renewed once
	// half of it has passed, while its object exists.
	Lifetime time.Duration
}

// NewMetricsCredentialOptions returns the defaults.
func NewMetricsCredentialOptions() *MetricsCredentialOptions {
	return &MetricsCredentialOptions{Lifetime: standalone.DefaultMetricsCredentialLifetime}
}

// AddFlags adds the metrics credential flags to fs.
func (o *MetricsCredentialOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.Lifetime, "metrics-credential-lifetime", o.Lifetime,
		fmt.Sprintf("Standalone mode: validity of the client certificate an object's processes push metrics with "+
			"(ML_METRICS_CERT); renewed in place once half of it has passed, while the object exists. Between %v and %v.",
			minMetricsCredentialLifetime, maxMetricsCredentialLifetime))
}

// Validate checks the metrics credential flags.
func (o *MetricsCredentialOptions) Validate() []error {
	if o.Lifetime < minMetricsCredentialLifetime || o.Lifetime > maxMetricsCredentialLifetime {
		return []error{fmt.Errorf("--metrics-credential-lifetime must be between %v and %v, got %v",
			minMetricsCredentialLifetime, maxMetricsCredentialLifetime, o.Lifetime)}
	}
	return nil
}

// New returns the issuer of the certificates, signing with pki.
func (o *MetricsCredentialOptions) New(pki standalone.PKI) *standalone.MetricsCredentials {
	return &standalone.MetricsCredentials{PKI: pki, Lifetime: o.Lifetime}
}
