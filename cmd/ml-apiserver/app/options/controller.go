package options

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"k8s.io/client-go/tools/leaderelection"

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
// the server (which runs them from a post-start hook in aggregated mode)
// and the controller subcommand.
type ControllerOptions struct {
	// Controllers lists the controllers to run: "*", names, -names.
	Controllers []string
	// Namespace holds the leader election Lease.
	Namespace string
	// LeaderElect runs the controllers only while holding the Lease.
	LeaderElect bool
	// Identity names this copy in the Lease and in its events; empty
	// means hostname_<random UUID>.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Workers is the number of concurrent syncs per controller.
	Workers int
	// KubeAPIQPS and KubeAPIBurst limit the controllers' requests to
	// kube-apiserver.
	KubeAPIQPS   float32
	KubeAPIBurst int
	// MaxForEachItems caps the instances of one forEach task; set from
	// --max-foreach (LimitOptions).
	MaxForEachItems int32
	// Backoff delays the replacement of failed TrainingJob replicas.
	Backoff BackoffOptions
}

// NewControllerOptions returns the defaults: every controller, leader
// elected in ml-system.
func NewControllerOptions() *ControllerOptions {
	return &ControllerOptions{
		Controllers:   []string{"*"},
		Namespace:     DefaultControllerNamespace,
		LeaderElect:   true,
		LeaseDuration: controller.DefaultLeaseDuration,
		RenewDeadline: controller.DefaultRenewDeadline,
		RetryPeriod:   controller.DefaultRetryPeriod,
		Workers:       DefaultControllerWorkers,
		KubeAPIQPS:    DefaultControllerQPS,
		KubeAPIBurst:  DefaultControllerBurst,
		Backoff:       NewBackoffOptions(),
	}
}

// AddFlags adds the controller flags to fs.
func (o *ControllerOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.Controllers, "controllers", o.Controllers, fmt.Sprintf(
		"Controllers to run: '*' runs all, 'name' enables one, '-name' disables one. Known: %s.",
		strings.Join(controller.KnownControllers, ", ")))
	fs.StringVar(&o.Namespace, "controller-namespace", o.Namespace,
		"Namespace of the controllers' leader election Lease (named "+controller.DefaultLeaseName+").")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect,
		"Run the controllers only while holding the leader Lease, so that of several copies exactly one acts.")
	fs.StringVar(&o.Identity, "leader-elect-identity", o.Identity,
		"Identity of this copy in the leader Lease and in the events it writes (source host, reportingInstance). Default: hostname_<random UUID>; every copy needs its own.")
	fs.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration,
		"How long copies that do not lead wait after the leader's last renewal before taking over.")
	fs.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline,
		"How long the leader tries to renew the Lease before it stops leading. Less than the lease duration.")
	fs.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod,
		"How often copies try to acquire or renew the Lease.")
	fs.IntVar(&o.Workers, "controller-workers", o.Workers,
		"Number of objects each controller syncs concurrently.")
	fs.Float32Var(&o.KubeAPIQPS, "controller-kube-api-qps", o.KubeAPIQPS,
		"Queries per second of the controllers to kube-apiserver.")
	fs.IntVar(&o.KubeAPIBurst, "controller-kube-api-burst", o.KubeAPIBurst,
		"Burst of the controllers' queries to kube-apiserver.")
	o.Backoff.AddFlags(fs)
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
	if !o.LeaderElect {
		return errs
	}
	if o.Namespace == "" {
		errs = append(errs, fmt.Errorf("--controller-namespace is required with --leader-elect"))
	}
	if o.RetryPeriod <= 0 || float64(o.RenewDeadline) <= leaderelection.JitterFactor*float64(o.RetryPeriod) || o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("leader election needs 0 < %v x --leader-elect-retry-period (%v) < --leader-elect-renew-deadline (%v) < --leader-elect-lease-duration (%v)",
			leaderelection.JitterFactor, o.RetryPeriod, o.RenewDeadline, o.LeaseDuration))
	}
	return errs
}

// Enabled says whether any controller is enabled.
func (o *ControllerOptions) Enabled() bool {
	return len(controller.EnabledControllers(o.Controllers)) > 0
}

// Config is the manager configuration of the options.
func (o *ControllerOptions) Config() controller.Config {
	return controller.Config{
		Controllers: o.Controllers,
		Workers:     o.Workers,
		LeaderElection: controller.LeaderElectionConfig{
			Enabled:       o.LeaderElect,
			Namespace:     o.Namespace,
			Name:          controller.DefaultLeaseName,
			Identity:      o.Identity,
			LeaseDuration: o.LeaseDuration,
			RenewDeadline: o.RenewDeadline,
			RetryPeriod:   o.RetryPeriod,
		},
		MaxForEachItems: o.MaxForEachItems,
		ReplicaBackoff:  o.Backoff.Config(),
	}
}
