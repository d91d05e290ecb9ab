package validation_test

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

var (
	ready      = mltesting.Condition("Ready", metav1.ConditionTrue, "Available")
	noReason   = mltesting.Condition("Ready", metav1.ConditionTrue, "")
	badStatus  = mltesting.Condition("Ready", "Maybe", "Unsure")
	t0, t1     = metav1.NewTime(time.Unix(1000, 0)), metav1.NewTime(time.Unix(2000, 0))
	conditions = []metav1.Condition{ready, mltesting.Condition("Progressing", metav1.ConditionFalse, "Done")}
)

func TestValidatePipelineStatusUpdate(t *testing.T) {
	old := pipeline(task("a").Obj()).ResourceVersion("1").Obj()
	cases := []struct {
		name string
		obj  *ml.Pipeline
		want []string
	}{
		{name: "conditions", obj: pipeline(task("a").Obj()).ResourceVersion("1").Conditions(mltesting.Condition("Valid", metav1.ConditionTrue, "Validated")).Obj()},
		{name: "condition without reason", obj: pipeline(task("a").Obj()).ResourceVersion("1").Conditions(noReason).Obj(), want: []string{"status.conditions[0].reason: Required value"}},
		{name: "duplicate condition", obj: pipeline(task("a").Obj()).ResourceVersion("1").Conditions(ready, ready).Obj(), want: []string{"status.conditions[1]: Duplicate value"}},
		{name: "resourceVersion required", obj: pipeline(task("a").Obj()).Obj(), want: []string{"metadata.resourceVersion: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineStatusUpdate(tc.obj, old))
		})
	}
}

func TestValidatePipelineRunStatusUpdate(t *testing.T) {
	base := func() *mltesting.PipelineRunWrapper { return run().ResourceVersion("1") }
	old := base().Obj()
	cases := []struct {
		name string
		obj  *ml.PipelineRun
		want []string
	}{
		{
			name: "valid",
			obj: base().Phase(ml.PipelineRunRunning).Conditions(conditions...).Times(&t0, &t1).
				TaskStatus("a", ml.TaskSucceeded).TaskStatus("b", ml.TaskSkipped).TaskStatus("c", "").Obj(),
		},
		{name: "every phase", obj: base().Phase(ml.PipelineRunCanceled).Obj()},
		{name: "phase unknown", obj: base().Phase("Done").Obj(), want: []string{"status.phase: Unsupported value"}},
		{name: "condition status unknown", obj: base().Conditions(badStatus).Obj(), want: []string{"status.conditions[0].status: Unsupported value"}},
		{name: "completion before start", obj: base().Times(&t1, &t0).Obj(), want: []string{"status.completionTime: Invalid value"}},
		{name: "task phase unknown", obj: base().TaskStatus("a", "Done").Obj(), want: []string{"status.tasks[0].phase: Unsupported value"}},
		{name: "task name required", obj: base().TaskStatus("", ml.TaskPending).Obj(), want: []string{"status.tasks[0].name: Required value"}},
		{name: "task names unique", obj: base().TaskStatus("a", ml.TaskPending).TaskStatus("a", ml.TaskFailed).Obj(), want: []string{"status.tasks[1].name: Duplicate value"}},
		{
			name: "observedGeneration negative",
			obj: func() *ml.PipelineRun {
				r := base().Obj()
				r.Status.ObservedGeneration = -1
				return r
			}(),
			want: []string{"status.observedGeneration: Invalid value"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidatePipelineRunStatusUpdate(tc.obj, old))
		})
	}
}

func TestValidateTrainingJobStatusUpdate(t *testing.T) {
	base := func() *mltesting.TrainingJobWrapper { return job().ResourceVersion("1") }
	old := base().Obj()
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		want []string
	}{
		{
			name: "valid",
			obj: base().Phase(ml.TrainingJobRunning).Conditions(conditions...).StatusReplicas(2, 1).
				Selector("ml.example.io/trainingjob=a").LatestMetric("loss", 0.1).LatestMetric("accuracy", 0.9).Obj(),
		},
		{name: "phase Suspended", obj: base().Phase(ml.TrainingJobSuspended).Obj()},
		{name: "phase unknown", obj: base().Phase("Ready").Obj(), want: []string{"status.phase: Unsupported value"}},
		{name: "condition without reason", obj: base().Conditions(noReason).Obj(), want: []string{"status.conditions[0].reason: Required value"}},
		{name: "negative counts", obj: base().StatusReplicas(-1, -2).Obj(), want: []string{"status.readyReplicas: Invalid value", "status.replicas: Invalid value"}},
		{
			name: "negative failures and restarts",
			obj: func() *ml.TrainingJob {
				j := base().Obj()
				j.Status.Failed, j.Status.Restarts, j.Status.Succeeded = -1, -1, -1
				return j
			}(),
			want: []string{"status.failed: Invalid value", "status.restarts: Invalid value", "status.succeeded: Invalid value"},
		},
		{name: "selector unparsable", obj: base().Selector("a in (b").Obj(), want: []string{"status.selector: Invalid value"}},
		{name: "metric name required", obj: base().LatestMetric("", 1).Obj(), want: []string{"status.latestMetrics[0].name: Required value"}},
		{name: "metric names unique", obj: base().LatestMetric("loss", 1).LatestMetric("loss", 2).Obj(), want: []string{"status.latestMetrics[1].name: Duplicate value"}},
		{
			name: "last failure",
			obj: func() *ml.TrainingJob {
				j := base().Obj()
				j.Status.LastFailure = &ml.ReplicaFailure{Replica: "a-0", Reason: "StartError", Message: `exit code 127 (StartError): exec: "pyhton3": executable file not found in $PATH`}
				return j
			}(),
		},
		{
			name: "last failure without a replica, with a log for a message",
			obj: func() *ml.TrainingJob {
				j := base().Obj()
				j.Status.LastFailure = &ml.ReplicaFailure{Message: strings.Repeat("x", validation.MaxReplicaFailureMessage+1)}
				return j
			}(),
			want: []string{"status.lastFailure.replica: Required value", "status.lastFailure.message: Too long"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateTrainingJobStatusUpdate(tc.obj, old))
		})
	}
}

func TestValidateModelStatusUpdate(t *testing.T) {
	base := func() *mltesting.ModelWrapper { return model().ResourceVersion("1") }
	old := base().Obj()
	cases := []struct {
		name string
		obj  *ml.Model
		want []string
	}{
		{name: "valid", obj: base().Phase(ml.ModelReady).Conditions(conditions...).StatusReplicas(3, 3, 1).Obj()},
		{name: "phase unknown", obj: base().Phase("Serving").Obj(), want: []string{"status.phase: Unsupported value"}},
		{name: "negative counts", obj: base().StatusReplicas(0, 0, -1).Obj(), want: []string{"status.canaryReplicas: Invalid value"}},
		{name: "condition status unknown", obj: base().Conditions(badStatus).Obj(), want: []string{"status.conditions[0].status: Unsupported value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateModelStatusUpdate(tc.obj, old))
		})
	}
}

func TestValidateNotebookStatusUpdate(t *testing.T) {
	base := func() *mltesting.NotebookWrapper { return notebook().ResourceVersion("1") }
	old := base().Obj()
	cases := []struct {
		name string
		obj  *ml.Notebook
		want []string
	}{
		{name: "valid", obj: base().Phase(ml.NotebookStopped).Conditions(ready).StatusReplicas(0, 0).Selector("app=nb").Obj()},
		{name: "phase unknown", obj: base().Phase("Idle").Obj(), want: []string{"status.phase: Unsupported value"}},
		{name: "negative counts", obj: base().StatusReplicas(1, -1).Obj(), want: []string{"status.readyReplicas: Invalid value"}},
		{name: "selector unparsable", obj: base().Selector("=x").Obj(), want: []string{"status.selector: Invalid value"}},
		{name: "name immutable", obj: mltesting.MakeNotebook("other", "ns").ResourceVersion("1").Obj(), want: []string{"metadata.name: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateNotebookStatusUpdate(tc.obj, old))
		})
	}
}

// Every error must have a type a client can act on and a full path.
func TestErrorsHaveTypesAndPaths(t *testing.T) {
	allowed := map[field.ErrorType]bool{
		field.ErrorTypeRequired: true, field.ErrorTypeInvalid: true, field.ErrorTypeNotSupported: true,
		field.ErrorTypeDuplicate: true, field.ErrorTypeForbidden: true,
	}
	bad := job().Replicas(0).Framework("X").Image("").Env("1", "").Request("gpu", "-1").MasterPort(0).
		ServiceAccountName("A").VolumeMount("v", "rel").Metrics("Y", "(").Obj()
	errs := validation.ValidateTrainingJob(bad, opts)
	errs = append(errs, validation.ValidatePipeline(pipeline(task("a").DependsOn("b").Args("$(x)").Obj(), task("b").DependsOn("a").Obj()).Obj(), opts)...)
	if len(errs) < 10 {
		t.Fatalf("want many errors, got %v", errs)
	}
	for _, e := range errs {
		if !allowed[e.Type] {
			t.Errorf("%v: error type %q", e, e.Type)
		}
		if e.Field == "" || e.Field == "<nil>" {
			t.Errorf("%v: no field path", e)
		}
		if e.Type != field.ErrorTypeNotSupported && e.Type != field.ErrorTypeDuplicate && e.Detail == "" && e.Type != field.ErrorTypeRequired {
			t.Errorf("%v: no reason", e)
		}
	}
}
