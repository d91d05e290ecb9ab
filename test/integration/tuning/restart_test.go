package tuning

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestRestartMidSearch stops the server while a search runs and starts it
// again on the same data directory: the controller carries on from the
// stored trials, so the search ends with exactly maxTrials trials, named
// by index, and the trials made before the restart kept their parameters.
func TestRestartMidSearch(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	tun := &mlv1alpha1.TuningJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "resume"},
		Spec: mlv1alpha1.TuningJobSpec{
			Objective: mlv1alpha1.TuningObjective{Metric: "loss", Goal: mlv1alpha1.ObjectiveMinimize},
			Algorithm: mlv1alpha1.TuningAlgorithm{Name: mlv1alpha1.AlgorithmTPE, Settings: map[string]string{"seed": "3", "nStartupTrials": "2"}},
			Parameters: []mlv1alpha1.TuningParameter{
				{Name: "x", Type: mlv1alpha1.ParameterDouble, Min: ptr.To(-1.0), Max: ptr.To(1.0)},
			},
			MaxTrials:      ptr.To[int32](6),
			ParallelTrials: ptr.To[int32](2),
			TrialTemplate: mlv1alpha1.TrialTemplate{TrainingJob: &mlv1alpha1.TrainingJobSpec{
				Metrics: &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorStdOut},
				ContainerSpec: mlv1alpha1.ContainerSpec{
					Image:   "ignored",
					Command: []string{"sh", "-c", `for s in 1 2 3; do sleep 1; echo "step=$s loss=$(params.x)"; done`},
				},
			}},
		},
	}
	// The server's address changes with the restart: clients are made at
	// each use.
	if _, err := server.Clientset().MlV1alpha1().TuningJobs(ns).Create(ctx, tun, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sel := metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=" + tun.Name}
	params := func(ctx context.Context) (map[string]string, error) {
		list, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, tj := range list.Items {
			out[tj.Name] = tj.Annotations[mlv1alpha1.TrialParametersAnnotation]
		}
		return out, nil
	}
	var before map[string]string
	waitFor(t, "3 trials before the restart", 3*time.Minute, func(ctx context.Context) (bool, error) {
		var err error
		before, err = params(ctx)
		return len(before) >= 3, err
	})
	server.Restart()

	waitFor(t, "the search to end after the restart", 5*time.Minute, func(ctx context.Context) (bool, error) {
		got, err := server.Clientset().MlV1alpha1().TuningJobs(ns).Get(ctx, tun.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil // the server may still be starting
		}
		if got.Status.Phase == mlv1alpha1.TuningJobFailed {
			t.Fatalf("the search failed: %+v", got.Status.Conditions)
		}
		tun = got
		return got.Status.Phase == mlv1alpha1.TuningJobSucceeded, nil
	})
	after, err := params(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range after {
		names = append(names, name)
	}
	slices.Sort(names)
	var want []string
	for i := range 6 {
		want = append(want, fmt.Sprintf("resume-%d", i))
	}
	if !slices.Equal(names, want) || tun.Status.TrialsCreated != 6 {
		t.Errorf("trials %v (status: %d created), want exactly %v", names, tun.Status.TrialsCreated, want)
	}
	for name, p := range before {
		if after[name] != p {
			t.Errorf("trial %s had parameters %s before the restart, %s after", name, p, after[name])
		}
	}
	if b := tun.Status.BestTrial; b == nil || b.ObjectiveValue == nil {
		t.Errorf("no best trial: %+v", tun.Status)
	}
}
