package options

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	eventstorage "ml.example.io/ml-apiserver/pkg/registry/core/event/storage"
)

// EventOptions configure the core/v1 Events standalone mode serves, so that
// the controllers' events show in `kubectl describe` and `kubectl get
// events` without a kube-apiserver. An aggregated server serves no core
// API: its events go to kube-apiserver.
type EventOptions struct {
	// TTL is how long an Event is kept after its last write.
	TTL time.Duration
}

// NewEventOptions returns the defaults: events kept one hour, as by
// kube-apiserver.
func NewEventOptions() *EventOptions {
	return &EventOptions{TTL: eventstorage.DefaultTTL}
}

// AddFlags adds the event flags to fs.
func (o *EventOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.TTL, "event-ttl", o.TTL,
		"Standalone mode: how long an Event is kept after its last write (whole seconds; as kube-apiserver's --event-ttl).")
}

// Validate checks the event flags.
func (o *EventOptions) Validate() []error {
	if o.TTL < time.Second {
		return []error{fmt.Errorf("--event-ttl must be at least 1s, got %s", o.TTL)}
	}
	return nil
}

// ApplyTo serves Events in standalone mode only.
func (o *EventOptions) ApplyTo(c *apiserver.ExtraConfig, standalone bool) {
	if standalone {
		c.EventTTL = o.TTL
	}
}
