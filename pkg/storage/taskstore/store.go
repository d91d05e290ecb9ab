package taskstore

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/types"
)

// ErrBadContinue is returned for a continue token the store did not give.
var ErrBadContinue = errors.New("invalid continue token")

// Owner is the run the instances belong to.
type Owner struct {
	Namespace string
	UID       types.UID
}

// Instance is the stored state of one forEach instance.
type Instance struct {
	// Task and Index identify the instance in its run.
	Task  string
	Index int32
	// Phase is the instance's phase, kept beside Data so that a list
	// filters without decoding.
	Phase string
	// Data is the instance, encoded by the caller.
	Data []byte
}

// ListOptions select a page of instances.
type ListOptions struct {
	// Task selects one task's instances; empty for all.
	Task string
	// Phase selects the instances in one phase; empty for all.
	Phase string
	// Limit is the most instances of the page; 0 for all.
	Limit int64
	// Continue is the token of the previous page.
	Continue string
}

// Store keeps the instances of runs.
type Store interface {
	// Put writes instances of owner, replacing those stored with the same
	// task and index.
	Put(ctx context.Context, owner Owner, instances []Instance) error
	// List returns a page of owner's instances, by task then index, and
	// the token of the next page ("" after the last).
	List(ctx context.Context, owner Owner, opts ListOptions) ([]Instance, string, error)
	// Count is the number of instances of owner.
	Count(ctx context.Context, owner Owner) (int64, error)
	// DeleteOwner removes every instance of owner.
	DeleteOwner(ctx context.Context, namespace string, uid types.UID) error
}
