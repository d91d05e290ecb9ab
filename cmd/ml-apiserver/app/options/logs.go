package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// LogOptions configure the log subresources and the log archive, which
// lives on the data etcd (--ml-data-etcd-servers) in its own keyspace.
type LogOptions struct {
	// ArchiveMaxBytes caps each archived container log (the tail is kept).
	ArchiveMaxBytes int64
	// MaxFollows bounds the log follows open at once in the server; 0 is
	// no bound.
	MaxFollows int
	// Source overrides where live pod logs come from; tests set it. By
	// default they come from kube-apiserver's pods/log with the server's
	// core client, and in standalone mode from nowhere yet.
	Source workload.LogSource
	// KubeAPIQPS and KubeAPIBurst limit the server's own client of
	// kube-apiserver, which the log subresources read pods and their logs
	// with (client-go's default, 5 QPS, let a few log reads a second
	// through for the whole server).
	KubeAPIQPS   float32
	KubeAPIBurst int
}

// Defaults of the server's own client of kube-apiserver.
const (
	DefaultKubeAPIQPS   = 50
	DefaultKubeAPIBurst = 100
)

// NewLogOptions returns the defaults.
func NewLogOptions() *LogOptions {
	return &LogOptions{ArchiveMaxBytes: logstore.DefaultMaxBytes, MaxFollows: logs.DefaultMaxFollows, KubeAPIQPS: DefaultKubeAPIQPS, KubeAPIBurst: DefaultKubeAPIBurst}
}

// AddFlags adds the log flags to fs.
func (o *LogOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.ArchiveMaxBytes, "log-archive-max-bytes", o.ArchiveMaxBytes,
		"Largest archived log of one container of one pod; of a longer log the end is kept, from a whole line.")
	fs.IntVar(&o.MaxFollows, "max-log-follows", o.MaxFollows,
		"Most log follows (log?follow=true, of every kind) the server streams at once; more are refused with 429 Too Many Requests and a Retry-After, which client-go and kubectl retry. 0 means no limit.")
	fs.Float32Var(&o.KubeAPIQPS, "kube-api-qps", o.KubeAPIQPS,
		"Queries per second of the server's own requests to kube-apiserver (pods and pod logs for the log subresources; the controllers have --controller-kube-api-qps).")
	fs.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst,
		"Burst of the server's own requests to kube-apiserver.")
}

// Validate checks the log flags.
func (o *LogOptions) Validate() []error {
	var errs []error
	if o.ArchiveMaxBytes < 1 {
		errs = append(errs, fmt.Errorf("--log-archive-max-bytes must be positive, got %d", o.ArchiveMaxBytes))
	}
	if o.MaxFollows < 0 {
		errs = append(errs, fmt.Errorf("--max-log-follows must be 0 (no limit) or positive, got %d", o.MaxFollows))
	}
	if o.KubeAPIQPS <= 0 {
		errs = append(errs, fmt.Errorf("--kube-api-qps must be positive, got %v", o.KubeAPIQPS))
	}
	if o.KubeAPIBurst < 1 {
		errs = append(errs, fmt.Errorf("--kube-api-burst must be positive, got %d", o.KubeAPIBurst))
	}
	return errs
}

// ApplyTo sets the log configuration of the server.
func (o *LogOptions) ApplyTo(c *apiserver.ExtraConfig) {
	c.LogSource = o.Source
	c.LogArchiveMaxBytes = o.ArchiveMaxBytes
	c.LogMaxFollows = o.MaxFollows
}
