package options

import (
	"errors"
	"fmt"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// embeddedEtcdStandIn stands for the embedded etcd's address, known only
// once it runs, when the generic etcd options are validated.
const embeddedEtcdStandIn = "http://127.0.0.1:2379"

// Validate checks the completed options; it changes nothing.
func (c CompletedOptions) Validate() error {
	var errs []error
	ro := c.RecommendedOptions
	if c.EmbeddedEtcd {
		// Validate the other etcd options against a stand-in address.
		ro = copyRecommendedOptions(ro)
		ro.Etcd.StorageConfig.Transport.ServerList = []string{embeddedEtcdStandIn}
	}
	errs = append(errs, ro.Validate()...)
	if c.DataDir == "" && (c.Standalone || c.EmbeddedEtcd) {
		errs = append(errs, errors.New("--data-dir is required with --standalone or without --etcd-servers"))
	}
	errs = append(errs, c.Controllers.Validate()...)
	errs = append(errs, c.DataStore.Validate()...)
	errs = append(errs, c.Logs.Validate()...)
	errs = append(errs, c.MetricsCredentials.Validate()...)
	errs = append(errs, c.LocalRuntime.Validate()...)
	errs = append(errs, c.DataLimits.Validate()...)
	errs = append(errs, c.validateEmbeddedEtcd()...)
	errs = append(errs, c.Limits.Validate()...)
	errs = append(errs, c.WhenCEL.Validate()...)
	errs = append(errs, c.Nesting.Validate()...)
	errs = append(errs, c.FanOut.Validate()...)
	errs = append(errs, c.ArtifactPods.Validate()...)
	errs = append(errs, c.Events.Validate()...)
	errs = append(errs, c.Profiles.Validate()...)
	errs = append(errs, c.Local.Validate()...)
	errs = append(errs, c.Artifacts.Validate(c.Standalone)...)
	errs = append(errs, c.Tuning.Validate()...)
	if ss := c.RecommendedOptions.SecureServing; ss.BindPort == 0 && ss.Listener == nil {
		// Port 0 turns HTTPS serving off in k8s.io/apiserver, and with it
		// the loopback client the admission plugins and controllers use.
		errs = append(errs, errors.New("--secure-port must not be 0: ml-apiserver serves its API only over HTTPS"))
	}
	if c.EtcdQuotaBackendBytes < 0 {
		errs = append(errs, fmt.Errorf("--embedded-etcd-quota-backend-bytes must not be negative, got %d", c.EtcdQuotaBackendBytes))
	}
	return utilerrors.NewAggregate(errs)
}
