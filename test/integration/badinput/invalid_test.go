package badinput

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// expectInvalid fails the test unless err is a 422 Invalid whose causes
// name every field of fields.
func expectInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want 422 Invalid, got %v", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Code != http.StatusUnprocessableEntity {
		t.Errorf("status code %d, want %d", status.Code, http.StatusUnprocessableEntity)
	}
	var got []string
	if status.Details != nil {
		for _, c := range status.Details.Causes {
			got = append(got, c.Field)
		}
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("the causes name %q, not %s; message: %s", got, f, status.Message)
		}
		if !strings.Contains(status.Message, f) {
			t.Errorf("the message %q does not name %s", status.Message, f)
		}
	}
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	noCommand := mltesting.NewTask("empty")
	noCommand.Image, noCommand.Command = "", nil
	tests := []struct {
		name   string
		kind   string
		obj    mltesting.Object
		fields []string
	}{
		{"training job without replicas", "TrainingJob", mltesting.NewTrainingJob("bad", "").Replicas(0).Obj(), []string{"spec.replicas"}},
		{"unknown framework", "TrainingJob", mltesting.NewTrainingJob("bad", "").Framework("Caffe").Obj(), []string{"spec.framework"}},
		{"name that cannot name a pod", "TrainingJob", mltesting.NewTrainingJob("Bad_Name", "").Obj(), []string{"metadata.name"}},
		{"two running notebooks", "Notebook", mltesting.NewNotebook("bad", "").Replicas(2).Obj(), []string{"spec.replicas"}},
		{"model without a source", "Model", func() mltesting.Object {
			m := mltesting.NewModel("bad", "").Obj()
			m.Spec.Source.URI = ""
			return m
		}(), []string{"spec.source"}},
		{"canary over 100%", "Model", func() mltesting.Object {
			m := mltesting.NewModel("bad", "").Obj()
			m.Spec.Canary = &mlv1alpha1.CanarySpec{Source: mlv1alpha1.ModelSource{URI: "s3://models/v2"}, TrafficPercent: 150}
			return m
		}(), []string{"spec.canary.trafficPercent"}},
		{"pipeline without tasks", "Pipeline", func() mltesting.Object {
			p := mltesting.NewPipeline("bad", "").Obj()
			p.Spec.Tasks = nil
			return p
		}(), []string{"spec.tasks"}},
		{"task with nothing to run", "Pipeline", func() mltesting.Object {
			p := mltesting.NewPipeline("bad", "").Obj()
			p.Spec.Tasks = append(p.Spec.Tasks, noCommand)
			return p
		}(), []string{"spec.tasks[1].image"}},
		{"run of a pipeline both referenced and inline", "PipelineRun", func() mltesting.Object {
			r := mltesting.NewPipelineRun("bad", "").Obj()
			r.Spec.PipelineRef = &mlv1alpha1.LocalObjectReference{Name: "train"}
			return r
		}(), []string{"spec.pipelineSpec"}},
		{"run with parallelism 0", "PipelineRun", mltesting.NewPipelineRun("bad", "").Parallelism(0).Obj(), []string{"spec.parallelism"}},
		{"search over an empty space", "TuningJob", mltesting.NewTuningJob("bad", "").Parameters().Obj(), []string{"spec.parameters"}},
		{"search with min above max", "TuningJob", mltesting.NewTuningJob("bad", "").Parameters(
			mlv1alpha1.TuningParameter{Name: "lr", Type: mlv1alpha1.ParameterDouble, Min: ptr.To(0.1), Max: ptr.To(0.01)}).Obj(), []string{"spec.parameters[0].min"}},
		{"grid over a continuous parameter without a step", "TuningJob", func() mltesting.Object {
			tun := mltesting.NewTuningJob("bad", "").Obj()
			tun.Spec.Algorithm.Name = mlv1alpha1.AlgorithmGrid
			return tun
		}(), []string{"spec.parameters[0].step"}},
		{"pipeline trials of a pipeline that does not exist", "TuningJob", func() mltesting.Object {
			tun := mltesting.NewTuningJob("bad", "").Obj()
			tun.Spec.TrialTemplate = mlv1alpha1.TrialTemplate{PipelineRun: &mlv1alpha1.PipelineRunSpec{
				PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "nope"},
				Params:      []mlv1alpha1.Param{{Name: "lr", Value: "$(params.lr)"}},
			}}
			return tun
		}(), []string{"spec.trialTemplate.pipelineRun.pipelineRef.name"}},
		{"pipeline trials with an objective task not in the pipeline", "TuningJob", func() mltesting.Object {
			tun := mltesting.NewTuningJob("bad", "").Obj()
			run := mltesting.NewPipelineRun("x", "").Obj()
			tun.Spec.TrialTemplate = mlv1alpha1.TrialTemplate{PipelineRun: &run.Spec, ObjectiveTask: "nope"}
			return tun
		}(), []string{"spec.trialTemplate.objectiveTask"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			k := mltesting.KindNamed(tc.kind)
			_, err := k.Client(cs, ns).Create(ctx, tc.obj, metav1.CreateOptions{})
			expectInvalid(t, err, tc.fields...)
			expectNothingStored(ctx, t, cs, ns, k)
		})
	}
}

func TestInvalidUpdatesAreRejected(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		obj    mltesting.Object
		update func(c mltesting.Client, ctx context.Context, obj mltesting.Object) error
		fields []string
	}{
		{
			name: "training job image is immutable",
			kind: "TrainingJob",
			obj:  mltesting.NewTrainingJob("immutable", "").Obj(),
			update: func(c mltesting.Client, ctx context.Context, obj mltesting.Object) error {
				obj.(*mlv1alpha1.TrainingJob).Spec.Image = "ghcr.io/example/trainer:2"
				_, err := c.Update(ctx, obj, metav1.UpdateOptions{})
				return err
			},
			fields: []string{"spec.image"},
		},
		{
			name: "training job replicas are fixed unless elastic",
			kind: "TrainingJob",
			obj:  mltesting.NewTrainingJob("fixed", "").Replicas(2).Obj(),
			update: func(c mltesting.Client, ctx context.Context, obj mltesting.Object) error {
				obj.(*mlv1alpha1.TrainingJob).Spec.Replicas = ptr.To[int32](3)
				_, err := c.Update(ctx, obj, metav1.UpdateOptions{})
				return err
			},
			fields: []string{"spec.replicas"},
		},
		{
			name: "pipeline run cannot change what it runs",
			kind: "PipelineRun",
			obj:  mltesting.NewPipelineRun("fixed", "").Obj(),
			update: func(c mltesting.Client, ctx context.Context, obj mltesting.Object) error {
				run := obj.(*mlv1alpha1.PipelineRun)
				run.Spec.PipelineSpec.Tasks[0].Image = "ghcr.io/example/tools:2"
				_, err := c.Update(ctx, run, metav1.UpdateOptions{})
				return err
			},
			fields: []string{"spec.pipelineSpec"},
		},
		{
			name: "unknown phase",
			kind: "Model",
			obj:  mltesting.NewModel("phase", "").Obj(),
			update: func(c mltesting.Client, ctx context.Context, obj mltesting.Object) error {
				obj.(*mlv1alpha1.Model).Status.Phase = "Exploded"
				_, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{})
				return err
			},
			fields: []string{"status.phase"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			c := mltesting.KindNamed(tc.kind).Client(cs, ns)
			created, err := c.Create(ctx, tc.obj, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			expectInvalid(t, tc.update(c, ctx, created.DeepCopyObject().(mltesting.Object)), tc.fields...)
			stored, err := c.Get(ctx, created.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if diff := cmp.Diff(created, stored); diff != "" {
				t.Errorf("a rejected update changed the object (-want +got):\n%s", diff)
			}
		})
	}
}
