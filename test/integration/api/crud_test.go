package api

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		created, err := c.Create(ctx, k.New("crud", ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if ts := created.GetCreationTimestamp(); created.GetUID() == "" || created.GetResourceVersion() == "" || ts.IsZero() {
			t.Errorf("create did not set uid, resourceVersion and creationTimestamp: %+v", created)
		}
		if got := mltesting.FieldValue(t, created, k.Field...); !cmp.Equal(k.Values[0], got) {
			t.Errorf("created %v: %s", k.Field, cmp.Diff(k.Values[0], got))
		}

		got, err := c.Get(ctx, "crud", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("get returned another object than create (-want +got):\n%s", diff)
		}

		updated, err := c.Update(ctx, mltesting.WithField(t, got, k.Values[1], k.Field...), metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if updated.GetResourceVersion() == got.GetResourceVersion() {
			t.Errorf("update kept resourceVersion %s", got.GetResourceVersion())
		}
		got, err = c.Get(ctx, "crud", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get after update: %v", err)
		}
		if diff := cmp.Diff(updated, got); diff != "" {
			t.Errorf("get after update (-want +got):\n%s", diff)
		}
		if v := mltesting.FieldValue(t, got, k.Field...); !cmp.Equal(k.Values[1], v) {
			t.Errorf("updated %v (-want +got):\n%s", k.Field, cmp.Diff(k.Values[1], v))
		}

		if err := c.Delete(ctx, "crud", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, err := c.Get(ctx, "crud", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("get after delete: want NotFound, got %v", err)
		}
		if err := c.Delete(ctx, "crud", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("second delete: want NotFound, got %v", err)
		}
	})
}
