package tuning

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// fitScript is the fit task of the trial pipeline: it pushes its loss at
// steps 1 to 5 to its run's metrics (task fit) with the credentials the
// local runtime gives it, and writes its final loss as its output loss.
// The final loss is lowest at lr=0.01.
const fitScript = `
import json, math, os, ssl, sys, time, urllib.request
lr = float(sys.argv[1])
final = 0.1 + 0.25 * (math.log10(lr) + 2) ** 2
ctx = ssl.create_default_context(cafile=os.environ["ML_METRICS_CA"])
ctx.load_cert_chain(os.environ["ML_METRICS_CERT"], os.environ["ML_METRICS_KEY"])
for step in range(1, 6):
    loss = final * (1 + 3 * math.exp(-step / 2))
    body = {"series": [{"task": "fit", "name": "loss", "points": [{"step": step, "value": loss}]}]}
    req = urllib.request.Request(os.environ["ML_METRICS_URL"], json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, context=ctx).read()
    time.sleep(0.2)
with open(os.environ.get("ML_TERMINATION_MESSAGE_PATH", "/dev/termination-log"), "w") as f:
    f.write(f"loss={loss}\n")
`

// finalLoss is what fitScript reports last for lr.
func finalLoss(lr float64) float64 {
	return (0.1 + 0.25*math.Pow(math.Log10(lr)+2, 2)) * (1 + 3*math.Exp(-5.0/2))
}

// TestPipelineTrials runs searches whose trials are PipelineRuns of a
// two-task pipeline, as real processes: one reads the objective from the
// series its fit task pushes (objectiveTask: fit), the other from the
// output loss of its score task, which pushes nothing. Each search
// succeeds with owned, labelled runs whose params are the trials' values,
// its best trial is the one with the lowest final loss, and deleting it
// deletes its runs.
func TestPipelineTrials(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	ml := server.Clientset().MlV1alpha1()
	pipeline := &mlv1alpha1.Pipeline{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "train"},
		Spec: mlv1alpha1.PipelineSpec{
			Params: []mlv1alpha1.ParamSpec{{Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			Tasks: []mlv1alpha1.PipelineTask{
				{Name: "fit", ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"python3", "-c", fitScript, "$(params.lr)"}},
					Outputs: []mlv1alpha1.TaskOutput{{Name: "loss"}}},
				{Name: "report", ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"echo", "loss was $(tasks.fit.outputs.loss)"}}},
			},
		},
	}
	score := &mlv1alpha1.Pipeline{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "score"},
		Spec: mlv1alpha1.PipelineSpec{
			Params: []mlv1alpha1.ParamSpec{{Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			Tasks: []mlv1alpha1.PipelineTask{
				{Name: "score", ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"python3", "-c",
					`import math, os, sys; lr = float(sys.argv[1]); open(os.environ.get("ML_TERMINATION_MESSAGE_PATH", "/dev/termination-log"), "w").write(f"loss={(0.1 + 0.25 * (math.log10(lr) + 2) ** 2) * (1 + 3 * math.exp(-5 / 2))}\n")`,
					"$(params.lr)"}},
					Outputs: []mlv1alpha1.TaskOutput{{Name: "loss"}}},
			},
		},
	}
	for _, p := range []*mlv1alpha1.Pipeline{pipeline, score} {
		if _, err := ml.Pipelines(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	search := func(name, pipeline, objectiveTask string) *mlv1alpha1.TuningJob {
		return &mlv1alpha1.TuningJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: mlv1alpha1.TuningJobSpec{
				Objective: mlv1alpha1.TuningObjective{Metric: "loss", Goal: mlv1alpha1.ObjectiveMinimize},
				Algorithm: mlv1alpha1.TuningAlgorithm{Name: mlv1alpha1.AlgorithmRandom, Settings: map[string]string{"seed": "5"}},
				Parameters: []mlv1alpha1.TuningParameter{
					{Name: "lr", Type: mlv1alpha1.ParameterDouble, Min: ptr.To(0.0001), Max: ptr.To(1.0), Scale: mlv1alpha1.ScaleLog},
				},
				MaxTrials:      ptr.To[int32](4),
				ParallelTrials: ptr.To[int32](2),
				TrialTemplate: mlv1alpha1.TrialTemplate{
					PipelineRun: &mlv1alpha1.PipelineRunSpec{
						PipelineRef: &mlv1alpha1.LocalObjectReference{Name: pipeline},
						Params:      []mlv1alpha1.Param{{Name: "lr", Value: "$(params.lr)"}},
					},
					ObjectiveTask: objectiveTask,
				},
			},
		}
	}
	// Templates whose every trial would be refused are refused up front,
	// naming the field.
	for name, c := range map[string]struct {
		tun  *mlv1alpha1.TuningJob
		want string
	}{
		"no such pipeline":       {search("bad-ref", "nope", ""), `spec.trialTemplate.pipelineRun.pipelineRef.name: Invalid value: "nope": Pipeline "nope" does not exist`},
		"not a task of it":       {search("bad-task", "train", "evaluate"), `spec.trialTemplate.objectiveTask: Invalid value: "evaluate": not a task of the pipeline (its tasks: fit, report)`},
		"a param it lacks":       {withParam(search("bad-param", "train", "fit"), "batch", "32"), `spec.trialTemplate.pipelineRun.params[1].name: Invalid value: "batch": is not a parameter of the pipeline`},
		"a parameter undeclared": {withParam(search("bad-var", "train", "fit"), "lr", "$(params.rate)"), `spec.trialTemplate.pipelineRun.params[1].value: Invalid value: "$(params.rate)": $(params.rate) names no parameter of spec.parameters`},
	} {
		_, err := ml.TuningJobs(ns).Create(ctx, c.tun, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a 422 saying %s", name, err, c.want)
		}
	}

	for _, tun := range []*mlv1alpha1.TuningJob{search("by-series", "train", "fit"), search("by-output", "score", "")} {
		t.Run(tun.Name, func(t *testing.T) {
			t.Parallel()
			tuns := ml.TuningJobs(ns)
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
			if s.TrialsCreated != 4 || s.Succeeded != 4 {
				t.Errorf("status counts: created %d succeeded %d earlyStopped %d failed %d, want 4 succeeded; trials %+v",
					s.TrialsCreated, s.Succeeded, s.EarlyStopped, s.Failed, s.Trials)
			}

			sel := metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=" + tun.Name}
			runs, err := ml.PipelineRuns(ns).List(ctx, sel)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs.Items) != 4 {
				t.Fatalf("%d trial PipelineRuns, want 4", len(runs.Items))
			}
			best, bestLoss := "", math.Inf(1)
			for _, run := range runs.Items {
				if ref := metav1.GetControllerOf(&run); ref == nil || ref.UID != tun.UID {
					t.Errorf("trial %s: controller %v, want the TuningJob", run.Name, ref)
				}
				var params map[string]string
				if err := json.Unmarshal([]byte(run.Annotations[mlv1alpha1.TrialParametersAnnotation]), &params); err != nil {
					t.Fatalf("trial %s: parameters %q: %v", run.Name, run.Annotations[mlv1alpha1.TrialParametersAnnotation], err)
				}
				if len(run.Spec.Params) != 1 || run.Spec.Params[0].Value != params["lr"] {
					t.Errorf("trial %s: params %+v, want lr=%s", run.Name, run.Spec.Params, params["lr"])
				}
				if run.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
					t.Errorf("trial %s: phase %s", run.Name, run.Status.Phase)
				}
				lr, err := strconv.ParseFloat(params["lr"], 64)
				if err != nil {
					t.Fatal(err)
				}
				if l := finalLoss(lr); l < bestLoss {
					best, bestLoss = run.Name, l
				}
			}
			// The substituted values have 8 significant digits; the loss
			// of the trial is computed from them.
			if b := s.BestTrial; b == nil || b.Name != best || b.ObjectiveValue == nil || math.Abs(*b.ObjectiveValue-bestLoss) > 1e-6*bestLoss {
				t.Errorf("bestTrial = %+v, want %s with loss %g", b, best, bestLoss)
			}
			wantStep := int64(5)
			if tun.Spec.TrialTemplate.ObjectiveTask == "" {
				wantStep = 0 // an output has no step
			}
			if b := s.BestTrial; b != nil && b.Step != wantStep {
				t.Errorf("bestTrial step %d, want %d", b.Step, wantStep)
			}

			if tun.Spec.TrialTemplate.ObjectiveTask != "" {
				// kubectl ml compare ranks the runs by their fit task's loss.
				rows := compareRows(t, ns, "tun/"+tun.Name)
				var losses []float64
				for _, r := range rows {
					v, err := strconv.ParseFloat(r["fit/loss"], 64)
					if err != nil {
						t.Fatalf("row %v: fit/loss %q is not a number", r, r["fit/loss"])
					}
					losses = append(losses, v)
				}
				if len(rows) != 4 || !slices.IsSorted(losses) || rows[0]["NAME"] != best {
					t.Errorf("kubectl ml compare: %d rows, fit/loss %v, first %s; want 4 rows by loss, %s first", len(rows), losses, rows[0]["NAME"], best)
				}
			}

			if err := tuns.Delete(ctx, tun.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the trials of the deleted TuningJob to be deleted", 2*time.Minute, func(ctx context.Context) (bool, error) {
				list, err := ml.PipelineRuns(ns).List(ctx, sel)
				return err == nil && len(list.Items) == 0, err
			})
		})
	}
}

// withParam adds a param to the trial template of tun.
func withParam(tun *mlv1alpha1.TuningJob, name, value string) *mlv1alpha1.TuningJob {
	run := tun.Spec.TrialTemplate.PipelineRun
	run.Params = append(run.Params, mlv1alpha1.Param{Name: name, Value: value})
	return tun
}

// TestPipelineTrialEarlyStopped: a grid over four learning rates, three
// good ones first; the fourth trial's fit task pushes a loss far worse
// than the median of the three, and runs long: the controller cancels its
// PipelineRun, with the median rule's reason, and the search counts it
// early-stopped.
func TestPipelineTrialEarlyStopped(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	ml := server.Clientset().MlV1alpha1()
	// The loss of lr=1 is 100 times the others', and it runs 120 steps.
	script := strings.Replace(fitScript, "for step in range(1, 6):", "for step in range(1, 121 if lr >= 1 else 11):", 1)
	script = strings.Replace(script, "final = ", "final = (100 if lr >= 1 else 1) * ", 1)
	pipeline := &mlv1alpha1.Pipeline{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "train"},
		Spec: mlv1alpha1.PipelineSpec{
			Params: []mlv1alpha1.ParamSpec{{Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			Tasks: []mlv1alpha1.PipelineTask{{Name: "fit", ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"python3", "-c", script, "$(params.lr)"}},
				Outputs: []mlv1alpha1.TaskOutput{{Name: "loss"}}}},
		},
	}
	if _, err := ml.Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tun := &mlv1alpha1.TuningJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stops"},
		Spec: mlv1alpha1.TuningJobSpec{
			Objective:      mlv1alpha1.TuningObjective{Metric: "loss", Goal: mlv1alpha1.ObjectiveMinimize},
			Algorithm:      mlv1alpha1.TuningAlgorithm{Name: mlv1alpha1.AlgorithmGrid},
			Parameters:     []mlv1alpha1.TuningParameter{{Name: "lr", Type: mlv1alpha1.ParameterDiscrete, Values: []string{"0.01", "0.02", "0.03", "1"}}},
			MaxTrials:      ptr.To[int32](4),
			ParallelTrials: ptr.To[int32](3),
			EarlyStopping:  &mlv1alpha1.EarlyStopping{MedianStop: &mlv1alpha1.MedianStopRule{MinTrials: ptr.To[int32](3), StartStep: ptr.To[int64](2)}},
			TrialTemplate: mlv1alpha1.TrialTemplate{
				PipelineRun: &mlv1alpha1.PipelineRunSpec{
					PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "train"},
					Params:      []mlv1alpha1.Param{{Name: "lr", Value: "$(params.lr)"}},
				},
				ObjectiveTask: "fit",
			},
		},
	}
	tuns := ml.TuningJobs(ns)
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
	if s := tun.Status; s.Succeeded != 3 || s.EarlyStopped != 1 || s.Failed != 0 {
		t.Errorf("status counts: succeeded %d earlyStopped %d failed %d, want 3, 1, 0; trials %+v", s.Succeeded, s.EarlyStopped, s.Failed, s.Trials)
	}
	run, err := ml.PipelineRuns(ns).Get(ctx, "stops-3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	why := run.Annotations[mlv1alpha1.EarlyStoppedAnnotation]
	if !run.Spec.Cancel || !strings.HasPrefix(why, "median stopping rule") {
		t.Errorf("trial stops-3 (lr=1): cancel %v, early-stopped %q; want canceled by the median rule", run.Spec.Cancel, why)
	}
	waitFor(t, "the canceled trial to end", time.Minute, func(ctx context.Context) (bool, error) {
		run, err = ml.PipelineRuns(ns).Get(ctx, "stops-3", metav1.GetOptions{})
		return err == nil && run.Status.Phase == mlv1alpha1.PipelineRunCanceled, err
	})
	t.Logf("stops-3: %s", why)
}
