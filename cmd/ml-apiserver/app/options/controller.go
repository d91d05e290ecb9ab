package options

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	componentbaseconfig "k8s.io/component-base/config"
	componentbaseoptions "k8s.io/component-base/config/options"
	componentbasevalidation "k8s.io/component-base/config/validation"

	"ml.example.io/ml-apiserver/pkg/controller"
)

// Defaults of the controller flags.
const (
	DefaultControllerNamespace = "ml-system"
	DefaultControllerWorkers   = 5
	DefaultControllerQPS       = 50
	DefaultControllerBurst     = 100
)

// ControllerOptions are the flags of the bundled controllers, shared by
// the server (which runs them from a post-start hook) and the controller
// subcommand.
type ControllerOptions struct {
	// Controllers lists the controllers to run: "*", names, -names.
	Controllers []string
	// Namespace is the controllers' namespace (MLQuota's records), and
	// that of the leader election Lease unless
	// --leader-elect-resource-namespace says otherwise.
	Namespace string
	// LeaderElection are kube-controller-manager's --leader-elect flags:
	// run the controllers only while holding the Lease, and its timing.
	LeaderElection componentbaseconfig.LeaderElectionConfiguration
	// Identity names this copy in the Lease and in its events; empty
	// means hostname_<random UUID>.
	Identity string
	// Workers is the number of concurrent syncs per controller.
	Workers int
	// KubeAPIQPS and KubeAPIBurst limit the controllers' requests to
	// kube-apiserver.
	KubeAPIQPS   float32
	KubeAPIBurst int
	// Backoff delays the replacement of failed TrainingJob replicas.
	Backoff BackoffOptions
}

// leaseLock is the only --leader-elect-resource-lock: a coordination.k8s.io Lease.
const leaseLock = "leases"

// NewControllerOptions returns the defaults: every controller, leader
// elected on the Lease ml-system/ml-controller.
func NewControllerOptions() *ControllerOptions {
	return &ControllerOptions{
		Controllers: []string{"*"},
		Namespace:   DefaultControllerNamespace,
		LeaderElection: componentbaseconfig.LeaderElectionConfiguration{
			LeaderElect:   true,
			LeaseDuration: metav1.Duration{Duration: controller.DefaultLeaseDuration},
			RenewDeadline: metav1.Duration{Duration: controller.DefaultRenewDeadline},
			RetryPeriod:   metav1.Duration{Duration: controller.DefaultRetryPeriod},
			ResourceLock:  leaseLock,
			ResourceName:  controller.DefaultLeaseName,
			// Empty: --controller-namespace.
			ResourceNamespace: "",
		},
		Workers:      DefaultControllerWorkers,
		KubeAPIQPS:   DefaultControllerQPS,
		KubeAPIBurst: DefaultControllerBurst,
		Backoff:      NewBackoffOptions(),
	}
}

// AddFlags adds the controller flags to fs.
func (o *ControllerOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.Controllers, "controllers", o.Controllers, fmt.Sprintf(
		"Controllers to run: '*' runs all, 'name' enables one, '-name' disables one (the first entry naming a controller decides). Known: %s.",
		strings.Join(controller.KnownControllers, ", ")))
	fs.StringVar(&o.Namespace, "controller-namespace", o.Namespace,
		"Namespace of the controllers, and of their leader election Lease unless --leader-elect-resource-namespace is given.")
	componentbaseoptions.BindLeaderElectionFlags(&o.LeaderElection, fs)
	for name, usage := range map[string]string{
		"leader-elect":                    "Run the controllers only while holding the leader Lease, so that of several copies exactly one acts.",
		"leader-elect-lease-duration":     "How long copies that do not lead wait after the leader's last renewal before taking over.",
		"leader-elect-renew-deadline":     "How long the leader tries to renew the Lease before it stops leading. Less than the lease duration.",
		"leader-elect-retry-period":       "How often copies try to acquire or renew the Lease.",
		"leader-elect-resource-lock":      "The kind of object leader election locks: only 'leases' (coordination.k8s.io).",
		"leader-elect-resource-name":      "Name of the leader election Lease.",
		"leader-elect-resource-namespace": "Namespace of the leader election Lease (default: --controller-namespace).",
	} {
		fs.Lookup(name).Usage = usage
	}
	fs.StringVar(&o.Identity, "leader-elect-identity", o.Identity,
		"Identity of this copy in the leader Lease and in the events it writes (source host, reportingInstance). Default: hostname_<random UUID>; every copy needs its own.")
	fs.IntVar(&o.Workers, "controller-workers", o.Workers,
		"Number of objects each controller syncs concurrently.")
	fs.Float32Var(&o.KubeAPIQPS, "controller-kube-api-qps", o.KubeAPIQPS,
		"Queries per second of the controllers to kube-apiserver.")
	fs.IntVar(&o.KubeAPIBurst, "controller-kube-api-burst", o.KubeAPIBurst,
		"Burst of the controllers' queries to kube-apiserver.")
	o.Backoff.AddFlags(fs)
}

// leaderElectionFlags name the flag of each field of the leader election
// configuration, for errors.
var leaderElectionFlags = map[string]string{
	"leaseDuration":     "--leader-elect-lease-duration",
	"renewDeadline":     "--leader-elect-renew-deadline",
	"retryPeriod":       "--leader-elect-retry-period",
	"resourceLock":      "--leader-elect-resource-lock",
	"resourceName":      "--leader-elect-resource-name",
	"resourceNamespace": "--leader-elect-resource-namespace",
}

// Validate checks the controller flags.
func (o *ControllerOptions) Validate() []error {
	var errs []error
	if err := controller.ValidateControllers(o.Controllers); err != nil {
		errs = append(errs, err)
	}
	if o.Workers < 1 {
		errs = append(errs, fmt.Errorf("--controller-workers must be at least 1, got %d", o.Workers))
	}
	if o.KubeAPIQPS <= 0 || o.KubeAPIBurst < 1 {
		errs = append(errs, fmt.Errorf("--controller-kube-api-qps and --controller-kube-api-burst must be positive"))
	}
	errs = append(errs, o.Backoff.Validate()...)
	le := o.leaderElection()
	if !le.LeaderElect {
		return errs
	}
	if le.ResourceNamespace == "" {
		errs = append(errs, fmt.Errorf("--controller-namespace is required with --leader-elect"))
	}
	for _, e := range componentbasevalidation.ValidateLeaderElectionConfiguration(&le, nil) {
		if e.Field == "resourceNamespace" {
			continue // said above, with the flag users set
		}
		if e.Field == "leaseDuration" {
			// The library reports the renew deadline as the lease
			// duration's bad value; users gave the latter.
			e.BadValue = le.LeaseDuration.Duration.String()
		}
		if flag, ok := leaderElectionFlags[e.Field]; ok {
			e.Field = flag
		}
		errs = append(errs, e)
	}
	if le.ResourceLock != "" && le.ResourceLock != leaseLock {
		errs = append(errs, fmt.Errorf("--leader-elect-resource-lock must be %q, got %q", leaseLock, le.ResourceLock))
	}
	// Beyond the library's checks: client-go's leader election also needs
	// the renew deadline above the jittered retry period.
	if retry, renew := le.RetryPeriod.Duration, le.RenewDeadline.Duration; retry > 0 && float64(renew) <= leaderelection.JitterFactor*float64(retry) {
		errs = append(errs, fmt.Errorf("leader election needs --leader-elect-renew-deadline (%v) above %v x --leader-elect-retry-period (%v)",
			renew, leaderelection.JitterFactor, retry))
	}
	return errs
}

// leaderElection is the leader election configuration with the Lease's
// namespace decided.
func (o *ControllerOptions) leaderElection() componentbaseconfig.LeaderElectionConfiguration {
	le := o.LeaderElection
	if le.ResourceNamespace == "" {
		le.ResourceNamespace = o.Namespace
	}
	return le
}

// Enabled says whether any controller is enabled.
func (o *ControllerOptions) Enabled() bool {
	return len(controller.EnabledControllers(o.Controllers)) > 0
}

// Config is the manager configuration of the options, without the forEach
// cap (LimitOptions.ApplyToController).
func (o *ControllerOptions) Config() controller.Config {
	le := o.leaderElection()
	return controller.Config{
		Controllers: o.Controllers,
		Workers:     o.Workers,
		LeaderElection: controller.LeaderElectionConfig{
			Enabled:       le.LeaderElect,
			Namespace:     le.ResourceNamespace,
			Name:          le.ResourceName,
			Identity:      o.Identity,
			LeaseDuration: le.LeaseDuration.Duration,
			RenewDeadline: le.RenewDeadline.Duration,
			RetryPeriod:   le.RetryPeriod.Duration,
		},
		ReplicaBackoff: o.Backoff.Config(),
	}
}
