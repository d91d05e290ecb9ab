package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestDeleteCollectionWithLabelSelector(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		for i, group := range []string{"old", "old", "keep", "old", "keep"} {
			obj := k.New(fmt.Sprintf("obj-%d", i), "")
			obj.SetLabels(map[string]string{"group": group})
			if _, err := c.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
				t.Fatalf("create: %v", err)
			}
		}
		if err := c.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "group=old"}); err != nil {
			t.Fatalf("delete collection: %v", err)
		}
		list, err := c.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if diff := cmp.Diff([]string{"obj-2", "obj-4"}, list.Names()); diff != "" {
			t.Errorf("objects left after deleting group=old (-want +got):\n%s", diff)
		}
	})
}
