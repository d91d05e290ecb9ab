package tuning

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestHyperbandBudgetEnforced: Hyperband trials whose script ignores
// $(trial.budget) and trains on are stopped by the controller once they
// report the step of their budget: each is suspended with the
// budget-reached annotation, counts as succeeded (none failed or
// early-stopped), and its objective is its loss at or before its budget.
func TestHyperbandBudgetEnforced(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	tun := &mlv1alpha1.TuningJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "budgets"},
		Spec: mlv1alpha1.TuningJobSpec{
			Objective: mlv1alpha1.TuningObjective{Metric: "loss", Goal: mlv1alpha1.ObjectiveMinimize},
			// Bracket 1: three trials of 3 steps, the best then run for 9.
			Algorithm: mlv1alpha1.TuningAlgorithm{Name: mlv1alpha1.AlgorithmHyperband,
				Settings: map[string]string{"seed": "2", "minBudget": "3", "maxBudget": "9", "eta": "3"}},
			Parameters:     []mlv1alpha1.TuningParameter{{Name: "x", Type: mlv1alpha1.ParameterDouble, Min: ptr.To(1.0), Max: ptr.To(2.0)}},
			MaxTrials:      ptr.To[int32](4),
			ParallelTrials: ptr.To[int32](3),
			TrialTemplate: mlv1alpha1.TrialTemplate{TrainingJob: &mlv1alpha1.TrainingJobSpec{
				Metrics: &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorStdOut},
				ContainerSpec: mlv1alpha1.ContainerSpec{
					Image: "ignored",
					// 200 steps whatever the budget: the loss is x/step.
					Command: []string{"sh", "-c", `echo "budget $(trial.budget)"; for s in $(seq 1 200); do sleep 0.2; echo "step=$s loss=$(echo "$(params.x) $s" | awk '{print $1/$2}')"; done`},
				},
			}},
		},
	}
	tuns := server.Clientset().MlV1alpha1().TuningJobs(ns)
	tun, err := tuns.Create(ctx, tun, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the search to end", 5*time.Minute, func(ctx context.Context) (bool, error) {
		got, err := tuns.Get(ctx, tun.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if got.Status.Phase == mlv1alpha1.TuningJobFailed {
			t.Fatalf("the search failed: %+v %+v", got.Status.Conditions, got.Status.Trials)
		}
		tun = got
		return got.Status.Phase == mlv1alpha1.TuningJobSucceeded, nil
	})
	s := tun.Status
	if s.TrialsCreated != 4 || s.Succeeded != 4 || s.EarlyStopped != 0 || s.Failed != 0 {
		t.Errorf("status counts: created %d succeeded %d earlyStopped %d failed %d, want 4 succeeded; trials %+v",
			s.TrialsCreated, s.Succeeded, s.EarlyStopped, s.Failed, s.Trials)
	}
	steps := map[string]int64{}
	for _, tr := range s.Trials {
		steps[tr.Name] = tr.Step
	}
	list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=" + tun.Name})
	if err != nil {
		t.Fatal(err)
	}
	budgets := map[string]int64{}
	for _, tj := range list.Items {
		budget, err := strconv.ParseInt(tj.Annotations[mlv1alpha1.TrialBudgetAnnotation], 10, 64)
		if err != nil {
			t.Fatalf("trial %s: budget %q: %v", tj.Name, tj.Annotations[mlv1alpha1.TrialBudgetAnnotation], err)
		}
		budgets[tj.Name] = budget
		why := tj.Annotations[mlv1alpha1.BudgetReachedAnnotation]
		if !tj.Spec.Suspend || !strings.HasPrefix(why, "reached its budget of "+strconv.FormatInt(budget, 10)+" steps") {
			t.Errorf("trial %s (budget %d): suspend %v, budget-reached %q; want it stopped at its budget", tj.Name, budget, tj.Spec.Suspend, why)
		}
		if tj.Annotations[mlv1alpha1.EarlyStoppedAnnotation] != "" {
			t.Errorf("trial %s is annotated early-stopped", tj.Name)
		}
		if steps[tj.Name] == 0 || steps[tj.Name] > budget {
			t.Errorf("trial %s: objective at step %d, want one at or before its budget %d", tj.Name, steps[tj.Name], budget)
		}
	}
	t.Logf("budgets %v, objective steps %v", budgets, steps)
	if len(budgets) != 4 || budgets["budgets-0"] != 3 || budgets["budgets-3"] != 9 {
		t.Errorf("budgets %v, want 3 for the first trials and 9 for the promoted one", budgets)
	}
}
