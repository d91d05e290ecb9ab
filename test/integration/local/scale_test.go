package local

import (
	"context"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// scaler is the scale subresource of one kind's typed client.
type scaler interface {
	GetScale(ctx context.Context, name string, opts metav1.GetOptions) (*autoscalingv1.Scale, error)
	UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
}

// scaleTo sets an object's replicas through its scale subresource. The
// Scale carries the object's resourceVersion, which every status write of
// the controller moves: a conflict is read again and retried, as clients
// of the scale subresource (an HPA) do.
func scaleTo(t *testing.T, c scaler, name string, replicas int32) {
	t.Helper()
	backoff := wait.Backoff{Steps: 20, Duration: 50 * time.Millisecond, Factor: 1.5, Cap: 2 * time.Second}
	err := retry.RetryOnConflict(backoff, func() error {
		scale, err := c.GetScale(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		scale.Spec.Replicas = replicas
		_, err = c.UpdateScale(t.Context(), name, scale, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("scale %s to %d: %v", name, replicas, err)
	}
}
