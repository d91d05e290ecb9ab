package list

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestListPagesThroughThousandTrainingJobs(t *testing.T) {
	const (
		total   = 1000
		workers = 16
		limit   = 101
	)
	ctx, cs, ns := setup(t)
	jobs := cs.MlV1alpha1().TrainingJobs(ns)

	var want []string
	for i := range total {
		want = append(want, fmt.Sprintf("job-%04d", i))
	}
	// A bounded pool of workers creates the jobs concurrently.
	names := make(chan string)
	errs := make(chan error, total)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for name := range names {
				if _, err := jobs.Create(ctx, mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{}); err != nil {
					errs <- fmt.Errorf("create %s: %w", name, err)
				}
			}
		})
	}
	for _, name := range want {
		names <- name
	}
	close(names)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var got []string
	seen := map[string]bool{}
	opts := metav1.ListOptions{Limit: limit}
	for page := 1; ; page++ {
		list, err := jobs.List(ctx, opts)
		if err != nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		remaining := total - len(got) - len(list.Items)
		wantItems := min(limit, total-len(got))
		if len(list.Items) != wantItems {
			t.Errorf("page %d has %d items, want %d", page, len(list.Items), wantItems)
		}
		for _, item := range list.Items {
			if seen[item.Name] {
				t.Errorf("page %d repeats %s", page, item.Name)
			}
			seen[item.Name] = true
			got = append(got, item.Name)
		}
		if remaining > 0 {
			if list.Continue == "" {
				t.Fatalf("page %d has no continue token, %d items are missing", page, remaining)
			}
			if list.RemainingItemCount == nil || *list.RemainingItemCount != int64(remaining) {
				t.Errorf("page %d: remainingItemCount = %v, want %d", page, list.RemainingItemCount, remaining)
			}
		}
		if list.Continue == "" {
			break
		}
		if page > total/limit+1 {
			t.Fatalf("more than %d pages", page)
		}
		opts.Continue = list.Continue
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names over all pages (-want +got):\n%s", diff)
	}
}
