package list

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestFieldSelectorOnPhase(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		phases := map[string]string{"first-a": k.Phases[0], "first-b": k.Phases[0], "second": k.Phases[1], "no-status": ""}
		for name, phase := range phases {
			created, err := c.Create(ctx, k.New(name, ""), metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			if phase == "" {
				continue
			}
			if _, err := c.UpdateStatus(ctx, mltesting.WithPhase(t, created, phase), metav1.UpdateOptions{}); err != nil {
				t.Fatalf("update status of %s: %v", name, err)
			}
		}
		tests := []struct {
			selector string
			want     []string
		}{
			{"status.phase=" + k.Phases[0], []string{"first-a", "first-b"}},
			{"status.phase==" + k.Phases[1], []string{"second"}},
			{"status.phase!=" + k.Phases[0], []string{"no-status", "second"}},
			{"status.phase=", []string{"no-status"}},
			{"status.phase=" + k.Phases[0] + ",metadata.name=first-b", []string{"first-b"}},
			{"status.phase=Unknown", nil},
		}
		for _, tc := range tests {
			list, err := c.List(ctx, metav1.ListOptions{FieldSelector: tc.selector})
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

func TestFieldSelectorOnPipelineRef(t *testing.T) {
	ctx, cs, ns := setup(t)
	for _, name := range []string{"train", "evaluate"} {
		if _, err := cs.MlV1alpha1().Pipelines(ns).Create(ctx, mltesting.NewPipeline(name, ns).Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pipeline %s: %v", name, err)
		}
	}
	runs := cs.MlV1alpha1().PipelineRuns(ns)
	for _, run := range []*mltesting.PipelineRunBuilder{
		mltesting.NewPipelineRun("train-1", ns).Ref("train"),
		mltesting.NewPipelineRun("train-2", ns).Ref("train"),
		mltesting.NewPipelineRun("evaluate-1", ns).Ref("evaluate"),
		mltesting.NewPipelineRun("inline-1", ns),
	} {
		if _, err := runs.Create(ctx, run.Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create run: %v", err)
		}
	}
	tests := []struct {
		selector string
		want     []string
	}{
		{"spec.pipelineRef.name=train", []string{"train-1", "train-2"}},
		{"spec.pipelineRef.name=evaluate", []string{"evaluate-1"}},
		{"spec.pipelineRef.name!=train", []string{"evaluate-1", "inline-1"}},
		{"spec.pipelineRef.name=missing", nil},
	}
	for _, tc := range tests {
		list, err := runs.List(ctx, metav1.ListOptions{FieldSelector: tc.selector})
		if err != nil {
			t.Errorf("list with %q: %v", tc.selector, err)
			continue
		}
		var got []string
		for _, item := range list.Items {
			got = append(got, item.Name)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("list with %q (-want +got):\n%s", tc.selector, diff)
		}
	}
}

func TestUnsupportedFieldSelector(t *testing.T) {
	forEachKind(t, func(t *testing.T, ctx context.Context, k mltesting.Kind, c mltesting.Client) {
		for _, selector := range []string{"spec.unknown=x", "status.url=x"} {
			_, err := c.List(ctx, metav1.ListOptions{FieldSelector: selector})
			if !apierrors.IsBadRequest(err) {
				t.Errorf("list with %q: want 400 Bad Request, got %v", selector, err)
				continue
			}
			if label, _, _ := strings.Cut(selector, "="); !strings.Contains(err.Error(), label) {
				t.Errorf("list with %q: the error %q does not name %s", selector, err, label)
			}
		}
	})
}
