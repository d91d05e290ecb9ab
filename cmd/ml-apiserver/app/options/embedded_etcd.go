package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// addEmbeddedEtcdFlags adds the flags of the embedded etcd but its quota.
func (o *Options) addEmbeddedEtcdFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.EtcdAutoCompactionRetention, "embedded-etcd-auto-compaction-retention", o.EtcdAutoCompactionRetention,
		"History the embedded etcd keeps: every period of this length it compacts what is older, so a stream of updates "+
			"(metric points, logs) cannot fill it with old versions.")
}

func (o *Options) validateEmbeddedEtcd() []error {
	if o.EtcdAutoCompactionRetention < time.Minute {
		return []error{fmt.Errorf("--embedded-etcd-auto-compaction-retention must be at least 1m, got %s", o.EtcdAutoCompactionRetention)}
	}
	return nil
}
