package options

import (
	"fmt"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	"ml.example.io/ml-apiserver/pkg/storage/budget"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

// DataLimitsOptions bound the logs and metrics keyspaces, so that one job
// cannot fill etcd for everyone, and the answers of GET .../metrics. They
// apply in both modes.
type DataLimitsOptions struct {
	// MaxBytes is the budget of archived logs and metric points together;
	// 0 means half of --embedded-etcd-quota-backend-bytes when the
	// embedded etcd has one, otherwise budget.DefaultMaxBytes.
	MaxBytes int64
	// MetricsMaxSeriesPerObject bounds the series of one object.
	MetricsMaxSeriesPerObject int64
	// MetricsMaxBytesPerObject bounds the bytes of one object's series.
	MetricsMaxBytesPerObject int64
	// MetricsDefaultMaxPoints is the points per series of a GET without
	// maxPoints.
	MetricsDefaultMaxPoints int64
	// MetricsMaxQueryPoints is the highest maxPoints a GET may ask for.
	MetricsMaxQueryPoints int64
	// LogArchiveMaxBytesPerObject caps the log archive of one object.
	LogArchiveMaxBytesPerObject int64
}

// NewDataLimitsOptions returns the defaults.
func NewDataLimitsOptions() *DataLimitsOptions {
	return &DataLimitsOptions{
		MetricsMaxSeriesPerObject:   metricstore.DefaultMaxSeriesPerObject,
		MetricsMaxBytesPerObject:    metricstore.DefaultMaxBytesPerObject,
		MetricsDefaultMaxPoints:     metrics.DefaultMaxPoints,
		MetricsMaxQueryPoints:       metrics.DefaultMaxQueryPoints,
		LogArchiveMaxBytesPerObject: logstore.DefaultMaxBytesPerOwner,
	}
}

// AddFlags adds the flags of the bounds to fs.
func (o *DataLimitsOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Int64Var(&o.MaxBytes, budget.FlagName, o.MaxBytes,
		"Bytes that archived logs and metric points together may take in etcd; past it their writes get 429 while objects are still written. "+
			"0 means half of --embedded-etcd-quota-backend-bytes when set, otherwise 1 GiB (half of etcd's default quota).")
	fs.Int64Var(&o.MetricsMaxSeriesPerObject, metrics.FlagMaxSeriesPerObject, o.MetricsMaxSeriesPerObject,
		"Metric series one object may have; a POST creating more is refused with 422 (points of existing series are still accepted).")
	fs.Int64Var(&o.MetricsMaxBytesPerObject, metrics.FlagMaxBytesPerObject, o.MetricsMaxBytesPerObject,
		"Bytes the metric series of one object may take in etcd; a POST past it is refused with 429.")
	fs.Int64Var(&o.MetricsDefaultMaxPoints, "metrics-default-max-points", o.MetricsDefaultMaxPoints,
		"Points per series of GET .../metrics without maxPoints (longer series are downsampled); maxPoints=0 asks for every point.")
	fs.Int64Var(&o.MetricsMaxQueryPoints, metrics.FlagMaxQueryPoints, o.MetricsMaxQueryPoints,
		"Highest maxPoints of GET .../metrics.")
	fs.Int64Var(&o.LogArchiveMaxBytesPerObject, logs.FlagMaxBytesPerObject, o.LogArchiveMaxBytesPerObject,
		"Bytes the archived logs of one object may take in etcd (compressed); an archive past it is refused with 429.")
}

// Validate checks the bounds.
func (o *DataLimitsOptions) Validate() []error {
	var errs []error
	if o.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("--%s must not be negative, got %d", budget.FlagName, o.MaxBytes))
	}
	for flag, v := range map[string]int64{
		metrics.FlagMaxSeriesPerObject: o.MetricsMaxSeriesPerObject,
		metrics.FlagMaxBytesPerObject:  o.MetricsMaxBytesPerObject,
		logs.FlagMaxBytesPerObject:     o.LogArchiveMaxBytesPerObject,
	} {
		if v < 1 {
			errs = append(errs, fmt.Errorf("--%s must be positive, got %d", flag, v))
		}
	}
	if o.MetricsMaxQueryPoints < metrics.MinMaxPoints {
		errs = append(errs, fmt.Errorf("--%s must be at least %d, got %d", metrics.FlagMaxQueryPoints, metrics.MinMaxPoints, o.MetricsMaxQueryPoints))
	}
	if o.MetricsDefaultMaxPoints < metrics.MinMaxPoints || o.MetricsDefaultMaxPoints > o.MetricsMaxQueryPoints {
		errs = append(errs, fmt.Errorf("--metrics-default-max-points must be between %d and --%s (%d), got %d",
			metrics.MinMaxPoints, metrics.FlagMaxQueryPoints, o.MetricsMaxQueryPoints, o.MetricsDefaultMaxPoints))
	}
	return errs
}

// ApplyTo sets the bounds of the server. embeddedQuota is the space quota
// of the embedded etcd (0 for etcd's default or an external etcd).
func (o *DataLimitsOptions) ApplyTo(c *apiserver.ExtraConfig, embeddedQuota int64) {
	maxBytes := o.MaxBytes
	if maxBytes == 0 && embeddedQuota > 0 {
		maxBytes = embeddedQuota / 2
	}
	c.DataLimits = apiserver.DataLimits{
		MaxBytes:                    maxBytes,
		MetricsMaxSeriesPerObject:   o.MetricsMaxSeriesPerObject,
		MetricsMaxBytesPerObject:    o.MetricsMaxBytesPerObject,
		MetricsQuery:                metrics.QueryLimits{DefaultMaxPoints: o.MetricsDefaultMaxPoints, MaxQueryPoints: o.MetricsMaxQueryPoints},
		LogArchiveMaxBytesPerObject: o.LogArchiveMaxBytesPerObject,
	}
}
