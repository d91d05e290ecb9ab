// Package tuning tests TuningJobs in standalone mode with the controllers
// on: the trials are real TrainingJobs whose replicas run as host
// processes and report their loss through the StdOut metrics collector.
package tuning

import (
	"context"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
}

// waitFor polls cond generously: the trials are real processes on a
// shared machine.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), time.Second, timeout, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestExampleSearch runs the standalone example as it is (TPE, 12 trials,
// 3 at a time, median stopping): it succeeds after 12 trials, at least one
// of them stopped early; its best trial is the one whose last reported
// loss is the lowest; every trial is an owned TrainingJob with its
// parameters substituted into its args; deleting the TuningJob deletes
// them.
func TestExampleSearch(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	data, err := os.ReadFile("../../../artifacts/examples/local/10-tuningjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tun := &mlv1alpha1.TuningJob{}
	if err := yaml.UnmarshalStrict(data, tun); err != nil {
		t.Fatal(err)
	}
	tun.Namespace = ns
	tuns := server.Clientset().MlV1alpha1().TuningJobs(ns)
	if tun, err = tuns.Create(ctx, tun, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the search to end", 10*time.Minute, func(ctx context.Context) (bool, error) {
		got, err := tuns.Get(ctx, tun.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if got.Status.Phase == mlv1alpha1.TuningJobFailed {
			t.Fatalf("the search failed: %+v", got.Status.Conditions)
		}
		tun = got
		return got.Status.Phase == mlv1alpha1.TuningJobSucceeded, nil
	})
	s := tun.Status
	t.Logf("search ended: %d succeeded, %d stopped early, best %+v", s.Succeeded, s.EarlyStopped, s.BestTrial)
	if s.TrialsCreated != 12 || s.Succeeded+s.EarlyStopped+s.Failed != 12 || s.Failed != 0 {
		t.Errorf("status counts: created %d succeeded %d earlyStopped %d failed %d, want 12 trials ended, none failed",
			s.TrialsCreated, s.Succeeded, s.EarlyStopped, s.Failed)
	}
	if s.EarlyStopped < 1 {
		t.Errorf("no trial was stopped early: %+v", s.Trials)
	}
	if c := condition(s.Conditions, "Succeeded"); c == nil || c.Reason != "MaxTrialsReached" {
		t.Errorf("Succeeded condition %+v, want reason MaxTrialsReached", c)
	}

	sel := metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=" + tun.Name}
	// The best trial has the lowest last loss among the trials that
	// succeeded, as the TrainingJobs' own latest metrics say.
	best, bestLoss := "", math.Inf(1)
	waitFor(t, "the latest loss of every succeeded trial", 2*time.Minute, func(ctx context.Context) (bool, error) {
		list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
		if err != nil {
			return false, err
		}
		best, bestLoss = "", math.Inf(1)
		for _, tj := range list.Items {
			if tj.Status.Phase != mlv1alpha1.TrainingJobSucceeded {
				continue
			}
			loss, ok := latest(tj.Status.LatestMetrics, "loss")
			if !ok {
				return false, nil
			}
			if loss < bestLoss {
				best, bestLoss = tj.Name, loss
			}
		}
		return best != "", nil
	})
	if s.BestTrial == nil || s.BestTrial.Name != best || s.BestTrial.ObjectiveValue == nil || math.Abs(*s.BestTrial.ObjectiveValue-bestLoss) > 1e-6 {
		t.Errorf("bestTrial = %+v, want %s with loss %g", s.BestTrial, best, bestLoss)
	}

	list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 12 {
		t.Errorf("%d trials, want 12", len(list.Items))
	}
	for _, tj := range list.Items {
		if ref := metav1.GetControllerOf(&tj); ref == nil || ref.UID != tun.UID {
			t.Errorf("trial %s: controller %v, want the TuningJob", tj.Name, ref)
		}
		args := strings.Join(tj.Spec.Args[1:], " ")
		if strings.Contains(args, "$(params.") || !strings.Contains(args, "--lr=") || !strings.Contains(args, "--layers=") {
			t.Errorf("trial %s: args %q, want the parameters substituted", tj.Name, args)
		}
		if tj.Annotations[mlv1alpha1.TrialParametersAnnotation] == "" {
			t.Errorf("trial %s has no parameters annotation", tj.Name)
		}
	}

	// kubectl ml compare, through the machine's kubectl, lists all 12
	// trials sorted by their last loss, the best first, and shows the
	// early-stopped ones as such.
	rows := compareRows(t, ns, "tun/"+tun.Name, "--sort-by", "loss")
	names, losses, stopped := map[string]bool{}, []float64{}, 0
	for _, r := range rows {
		names[r["NAME"]] = true
		v, err := strconv.ParseFloat(r["loss"], 64)
		if err != nil {
			t.Fatalf("row %v: loss %q is not a number", r, r["loss"])
		}
		losses = append(losses, v)
		if r["PHASE"] == "EarlyStopped" {
			stopped++
		}
	}
	if len(rows) != 12 || len(names) != 12 {
		t.Errorf("kubectl ml compare listed %d rows of %d trials, want 12: %v", len(rows), len(names), rows)
	}
	if !slices.IsSorted(losses) {
		t.Errorf("kubectl ml compare --sort-by loss: losses %v are not in order", losses)
	}
	if stopped != int(s.EarlyStopped) || stopped < 1 {
		t.Errorf("kubectl ml compare shows %d EarlyStopped trials, the TuningJob counts %d", stopped, s.EarlyStopped)
	}

	// Deleting the TuningJob deletes its trials: standalone mode has no
	// garbage collector, the controller does it.
	if err := tuns.Delete(ctx, tun.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the trials of the deleted TuningJob to be deleted", 2*time.Minute, func(ctx context.Context) (bool, error) {
		list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
		return err == nil && len(list.Items) == 0, err
	})
}

func latest(metrics []mlv1alpha1.MetricValue, name string) (float64, bool) {
	for _, m := range metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}
