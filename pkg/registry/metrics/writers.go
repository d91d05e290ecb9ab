package metrics

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WriterChecks is a WriterCheck that asks each of its checks in turn: the
// first error refuses the write.
type WriterChecks []WriterCheck

var _ WriterCheck = WriterChecks{}

// CheckWriter implements WriterCheck.
func (c WriterChecks) CheckWriter(ctx context.Context, kind string, owner metav1.Object) error {
	for _, check := range c {
		if err := check.CheckWriter(ctx, kind, owner); err != nil {
			return err
		}
	}
	return nil
}
