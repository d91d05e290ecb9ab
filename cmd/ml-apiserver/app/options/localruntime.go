package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"k8s.io/apimachinery/pkg/api/resource"

	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// minLocalLogMaxSize is the smallest --local-log-max-size: a log file
// holds at least a few of the longest lines (16 KiB each).
const minLocalLogMaxSize = 64 << 10

// LocalRuntimeOptions bound the local runtime of standalone mode, which
// runs every replica as a process of this host.
type LocalRuntimeOptions struct {
	// MaxProcesses caps the replicas that run at once; the others wait,
	// Pending, in the order they were created.
	MaxProcesses int
	// LogMaxSize is the size a replica's live log file is rotated at, a
	// quantity such as 10Mi.
	LogMaxSize string
	// LogMaxFiles is how many log files of a replica are kept, the live
	// one included.
	LogMaxFiles int
}

// NewLocalRuntimeOptions returns the defaults: local.DefaultMaxProcesses,
// and the kubelet's 10Mi × 5 log files.
func NewLocalRuntimeOptions() *LocalRuntimeOptions {
	return &LocalRuntimeOptions{
		MaxProcesses: local.DefaultMaxProcesses(),
		LogMaxSize:   "10Mi",
		LogMaxFiles:  local.DefaultLogMaxFiles,
	}
}

// AddFlags adds the local runtime's flags to fs.
func (o *LocalRuntimeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.MaxProcesses, "local-max-processes", o.MaxProcesses,
		"Standalone mode: most replicas (processes of this host) that run at once; the others stay Pending with reason "+
			local.ReasonWaitingForProcessSlot+" until one ends. The default is 4 per core, at least 8.")
	fs.StringVar(&o.LogMaxSize, "local-log-max-size", o.LogMaxSize,
		"Standalone mode: size at which the log file of a replica is rotated, as the kubelet's containerLogMaxSize (at least 64Ki).")
	fs.IntVar(&o.LogMaxFiles, "local-log-max-files", o.LogMaxFiles,
		"Standalone mode: log files kept per replica, the live one included, as the kubelet's containerLogMaxFiles (at least 2).")
}

// Validate checks the local runtime's flags.
func (o *LocalRuntimeOptions) Validate() []error {
	var errs []error
	if o.MaxProcesses < 1 {
		errs = append(errs, fmt.Errorf("--local-max-processes must be at least 1, got %d", o.MaxProcesses))
	}
	if _, err := o.logMaxSize(); err != nil {
		errs = append(errs, err)
	}
	if o.LogMaxFiles < 2 {
		errs = append(errs, fmt.Errorf("--local-log-max-files must be at least 2, got %d", o.LogMaxFiles))
	}
	return errs
}

func (o *LocalRuntimeOptions) logMaxSize() (int64, error) {
	q, err := resource.ParseQuantity(o.LogMaxSize)
	if err != nil {
		return 0, fmt.Errorf("--local-log-max-size %q: %w", o.LogMaxSize, err)
	}
	if q.Value() < minLocalLogMaxSize {
		return 0, fmt.Errorf("--local-log-max-size must be at least 64Ki, got %s", o.LogMaxSize)
	}
	return q.Value(), nil
}

// ApplyTo sets the bounds of the local runtime's configuration.
func (o *LocalRuntimeOptions) ApplyTo(c *local.Config) {
	c.MaxProcesses = o.MaxProcesses
	c.Log.MaxFiles = o.LogMaxFiles
	if size, err := o.logMaxSize(); err == nil {
		c.Log.MaxSize = size
	}
}
