package list

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestLabelSelectors(t *testing.T) {
	objects := map[string]map[string]string{
		"bert-train": {"app": "bert", "stage": "train"},
		"bert-eval":  {"app": "bert", "stage": "eval"},
		"gpt-train":  {"app": "gpt", "stage": "train"},
		"unlabeled":  nil,
	}
	tests := []struct {
		selector string
		want     []string
	}{
		{"", []string{"bert-eval", "bert-train", "gpt-train", "unlabeled"}},
		{"app=bert", []string{"bert-eval", "bert-train"}},
		{"app!=bert", []string{"gpt-train", "unlabeled"}},
		{"app in (bert,gpt),stage=train", []string{"bert-train", "gpt-train"}},
		{"app notin (gpt)", []string{"bert-eval", "bert-train", "unlabeled"}},
		{"stage", []string{"bert-eval", "bert-train", "gpt-train"}},
		{"!app", []string{"unlabeled"}},
		{"app=llama", nil},
	}
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		for name, labels := range objects {
			obj := k.New(name, "")
			obj.SetLabels(labels)
			if _, err := c.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
		for _, tc := range tests {
			list, err := c.List(ctx, metav1.ListOptions{LabelSelector: tc.selector})
			if err != nil {
				t.Errorf("list with %q: %v", tc.selector, err)
				continue
			}
			if diff := cmp.Diff(tc.want, list.Names()); diff != "" {
				t.Errorf("list with %q (-want +got):\n%s", tc.selector, diff)
			}
		}
	})
}
