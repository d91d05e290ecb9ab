package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// TestTuningJobTrials: the trials of a TuningJob are TrainingJobs named
// <tun>-<index>, with the parameters substituted into their args and
// recorded in their annotation, owned by the TuningJob, parallelTrials at
// a time; deleting the TuningJob deletes them (the garbage collector).
func TestTuningJobTrials(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	tun, err := ml.MlV1alpha1().TuningJobs(ns).Create(ctx, mltesting.NewTuningJob("search", ns).Trials(4, 2).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create TuningJob: %v", err)
	}
	sel := metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=search"}
	var trials []mlv1alpha1.TrainingJob
	eventually(t, longTimeout, "2 trials of the TuningJob", func() (bool, string) {
		list, err := ml.MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
		if err != nil {
			return false, err.Error()
		}
		trials = list.Items
		return len(trials) == 2, fmt.Sprintf("%d trials", len(trials))
	})
	var names []string
	for _, tj := range trials {
		names = append(names, tj.Name)
		if ref := metav1.GetControllerOf(&tj); ref == nil || ref.Kind != "TuningJob" || ref.UID != tun.UID || !ptr.Deref(ref.BlockOwnerDeletion, false) {
			t.Errorf("trial %s: controller %+v, want the TuningJob, blocking its deletion", tj.Name, ref)
		}
		var params map[string]string
		if err := json.Unmarshal([]byte(tj.Annotations[mlv1alpha1.TrialParametersAnnotation]), &params); err != nil || params["lr"] == "" {
			t.Errorf("trial %s: parameters annotation %q: %v", tj.Name, tj.Annotations[mlv1alpha1.TrialParametersAnnotation], err)
			continue
		}
		if want := []string{"--lr=" + params["lr"]}; !slices.Equal(tj.Spec.Args, want) {
			t.Errorf("trial %s: args %q, want %q", tj.Name, tj.Spec.Args, want)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"search-0", "search-1"}) {
		t.Errorf("trials %v, want search-0 and search-1", names)
	}

	if err := ml.MlV1alpha1().TuningJobs(ns).Delete(ctx, "search", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete TuningJob: %v", err)
	}
	eventually(t, longTimeout, "the trials deleted with their TuningJob", func() (bool, string) {
		list, err := ml.MlV1alpha1().TrainingJobs(ns).List(ctx, sel)
		if err != nil {
			return false, err.Error()
		}
		return len(list.Items) == 0, fmt.Sprintf("%d trials left", len(list.Items))
	})
}

// TestAdmissionQuotaTuningJob: with requests.cpu 4, a TuningJob of 3
// parallel trials of 2 CPUs is refused up front naming its peak; with 2
// parallel trials it is admitted, and its trials run within its charge.
func TestAdmissionQuotaTuningJob(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	createQuota(ctx, t, ns, corev1.ResourceList{"requests.cpu": apiresource.MustParse("4")})
	search := func(parallel int32) *mlv1alpha1.TuningJob {
		tj := mltesting.NewTrainingJob("x", ns).Obj().Spec
		tj.Args = []string{"--lr=$(params.lr)"}
		tj.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("2")}}
		return mltesting.NewTuningJob("search", ns).TrainingJob(tj).Trials(4, parallel).Obj()
	}
	err := untilRefused(t, "a search past the quota refused", func() error {
		_, err := ml.MlV1alpha1().TuningJobs(ns).Create(ctx, search(3), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, `exceeded quota "gpus"`, "requests.cpu requested 6 (parallelTrials 3 x 1 replicas x 2)", "hold 0 of 4, 4 left")

	if _, err := ml.MlV1alpha1().TuningJobs(ns).Create(ctx, search(2), metav1.CreateOptions{}); err != nil {
		t.Fatalf("a search of 2 parallel trials of 2 CPUs against 4: %v", err)
	}
	// Its trials are held for by its charge: both are created.
	eventually(t, longTimeout, "the 2 trials created within the TuningJob's charge", func() (bool, string) {
		list, err := ml.MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=search"})
		if err != nil {
			return false, err.Error()
		}
		var names []string
		for _, tj := range list.Items {
			names = append(names, tj.Name)
		}
		return len(names) == 2, strings.Join(names, ",")
	})
	// The quota is full: another job is refused.
	job := mltesting.NewTrainingJob("other", ns).Obj()
	job.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1")}}
	_, err = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
	wantRefused(t, err, 403, "other ml.example.io objects hold 4 of 4, 0 left")
}

// TestPipelineTuningJob: a TuningJob whose trials are PipelineRuns of a
// Pipeline with two tasks of 1 CPU that run side by side is charged
// parallelTrials x 2 CPUs up front, refused naming the numbers past the
// quota; admitted, its trials are owned PipelineRuns of the pipeline with
// the trial's value in their params, held for by the TuningJob's charge,
// and deleting it deletes them.
func TestPipelineTuningJob(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	createQuota(ctx, t, ns, corev1.ResourceList{"requests.cpu": apiresource.MustParse("4")})
	task := func(name string) mlv1alpha1.PipelineTask {
		return mlv1alpha1.PipelineTask{Name: name, ContainerSpec: mlv1alpha1.ContainerSpec{
			Image: mltesting.TaskImage, Command: []string{"train", "--lr=$(params.lr)"},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1")}},
		}}
	}
	pipeline := &mlv1alpha1.Pipeline{
		ObjectMeta: metav1.ObjectMeta{Name: "train", Namespace: ns},
		Spec: mlv1alpha1.PipelineSpec{
			Params: []mlv1alpha1.ParamSpec{{Name: "lr", Type: mlv1alpha1.ParamTypeFloat}},
			Tasks:  []mlv1alpha1.PipelineTask{task("fit-a"), task("fit-b")},
		},
	}
	if _, err := ml.MlV1alpha1().Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Pipeline: %v", err)
	}
	search := func(parallel int32) *mlv1alpha1.TuningJob {
		tun := mltesting.NewTuningJob("search", ns).Trials(4, parallel).Obj()
		tun.Spec.TrialTemplate = mlv1alpha1.TrialTemplate{
			PipelineRun: &mlv1alpha1.PipelineRunSpec{
				PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "train"},
				Params:      []mlv1alpha1.Param{{Name: "lr", Value: "$(params.lr)"}},
			},
			ObjectiveTask: "fit-a",
		}
		return tun
	}
	err := untilRefused(t, "a pipeline search past the quota refused", func() error {
		_, err := ml.MlV1alpha1().TuningJobs(ns).Create(ctx, search(3), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, "requests.cpu requested 6 (parallelTrials 3 x the peak of one trial's pipeline run", "fit-a 1 x 1, fit-b 1 x 1", "hold 0 of 4, 4 left")

	tun, err := ml.MlV1alpha1().TuningJobs(ns).Create(ctx, search(2), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("a search of 2 parallel trials of 2 CPUs against 4: %v", err)
	}
	sel := metav1.ListOptions{LabelSelector: mlv1alpha1.TuningJobNameLabel + "=search"}
	var trials []mlv1alpha1.PipelineRun
	eventually(t, longTimeout, "the 2 trial PipelineRuns created within the TuningJob's charge", func() (bool, string) {
		list, err := ml.MlV1alpha1().PipelineRuns(ns).List(ctx, sel)
		if err != nil {
			return false, err.Error()
		}
		trials = list.Items
		return len(trials) == 2, fmt.Sprintf("%d trials", len(trials))
	})
	for _, run := range trials {
		if ref := metav1.GetControllerOf(&run); ref == nil || ref.Kind != "TuningJob" || ref.UID != tun.UID {
			t.Errorf("trial %s: controller %+v, want the TuningJob", run.Name, ref)
		}
		var params map[string]string
		if err := json.Unmarshal([]byte(run.Annotations[mlv1alpha1.TrialParametersAnnotation]), &params); err != nil || params["lr"] == "" {
			t.Errorf("trial %s: parameters annotation %q: %v", run.Name, run.Annotations[mlv1alpha1.TrialParametersAnnotation], err)
			continue
		}
		if want := []mlv1alpha1.Param{{Name: "lr", Value: params["lr"]}}; !slices.Equal(run.Spec.Params, want) {
			t.Errorf("trial %s: params %+v, want %+v", run.Name, run.Spec.Params, want)
		}
		if run.Spec.PipelineRef == nil || run.Spec.PipelineRef.Name != "train" {
			t.Errorf("trial %s: pipelineRef %+v, want train", run.Name, run.Spec.PipelineRef)
		}
	}
	// The quota is full: another job is refused.
	job := mltesting.NewTrainingJob("other", ns).Obj()
	job.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1")}}
	_, err = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
	wantRefused(t, err, 403, "other ml.example.io objects hold 4 of 4, 0 left")

	if err := ml.MlV1alpha1().TuningJobs(ns).Delete(ctx, "search", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete TuningJob: %v", err)
	}
	eventually(t, longTimeout, "the trial PipelineRuns deleted with their TuningJob", func() (bool, string) {
		list, err := ml.MlV1alpha1().PipelineRuns(ns).List(ctx, sel)
		if err != nil {
			return false, err.Error()
		}
		return len(list.Items) == 0, fmt.Sprintf("%d trials left", len(list.Items))
	})
}
