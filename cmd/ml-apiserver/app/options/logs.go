package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// LogOptions configure the log subresources and the log archive, which
// lives on the data etcd (--ml-data-etcd-servers) in its own keyspace.
type LogOptions struct {
	// ArchiveMaxBytes caps each archived container log (the tail is kept).
	ArchiveMaxBytes int64
	// Source overrides where live pod logs come from; tests set it. By
	// default they come from kube-apiserver's pods/log with the server's
	// core client, and in standalone mode from nowhere yet.
	Source workload.LogSource
}

// NewLogOptions returns the defaults.
func NewLogOptions() *LogOptions {
	return &LogOptions{ArchiveMaxBytes: logstore.DefaultMaxBytes}
}

// AddFlags adds the log flags to fs.
func (o *LogOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.ArchiveMaxBytes, "log-archive-max-bytes", o.ArchiveMaxBytes,
		"Largest archived log of one container of one pod; of a longer log the end is kept, from a whole line.")
}

// Validate checks the log flags.
func (o *LogOptions) Validate() []error {
	if o.ArchiveMaxBytes < 1 {
		return []error{fmt.Errorf("--log-archive-max-bytes must be positive, got %d", o.ArchiveMaxBytes)}
	}
	return nil
}

// ApplyTo sets the log configuration of the server.
func (o *LogOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.LogSource = o.Source
	c.LogArchiveMaxBytes = o.ArchiveMaxBytes
}
