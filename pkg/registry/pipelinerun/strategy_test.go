package pipelinerun

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

func makeRun() *mltesting.PipelineRunWrapper {
	return mltesting.MakePipelineRun("nightly", registrytest.Namespace).PipelineRef("train")
}

func TestStrategies(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	registrytest.StrategyContract[*ml.PipelineRun]{
		Strategy:       NewStrategy(scheme.Scheme, validation.DefaultOptions()),
		StatusStrategy: NewStatusStrategy(scheme.Scheme),
		New:            func() *ml.PipelineRun { return makeRun().Obj() },
		ChangeSpec:     func(r *ml.PipelineRun) { r.Spec.Suspend = true },
		SetStatus: func(r *ml.PipelineRun) {
			r.Status.Phase = ml.PipelineRunRunning
			r.Status.ObservedGeneration = 1
			r.Status.StartTime = &started
			r.Status.Tasks = []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskRunning}}
		},
		Invalidate:       func(r *ml.PipelineRun) { r.Spec.PipelineRef = nil },
		InvalidateStatus: func(r *ml.PipelineRun) { r.Status.Phase = "Sleeping" },
	}.Run(t)
}

func TestGetAttrs(t *testing.T) {
	registrytest.RunAttrsTests(t, "PipelineRun", GetAttrs, map[string]registrytest.AttrsCase{
		"run of a pipeline": {
			Obj:        makeRun().Label("team", "vision").Phase(ml.PipelineRunSucceeded).Obj(),
			WantLabels: labels.Set{"team": "vision"},
			WantFields: fields.Set{
				"metadata.name": "nightly", "metadata.namespace": registrytest.Namespace,
				"status.phase": "Succeeded", "spec.pipelineRef.name": "train",
			},
		},
		"inline pipeline": {
			Obj: makeRun().PipelineSpec(mltesting.MakePipeline("x", "").Tasks(mltesting.MakeTask("fit").Obj()).Spec()).Obj(),
			WantFields: fields.Set{
				"metadata.name": "nightly", "metadata.namespace": registrytest.Namespace,
				"status.phase": "", "spec.pipelineRef.name": "",
			},
		},
	})
}

func TestFieldLabelConversion(t *testing.T) {
	registrytest.RunFieldLabelTests(t, "PipelineRun", map[string]string{
		"metadata.name":         "",
		"metadata.namespace":    "",
		"status.phase":          "",
		"spec.pipelineRef.name": "",
		"spec.suspend":          "field label not supported: spec.suspend",
		"spec.framework":        "field label not supported: spec.framework",
		"status.startTime":      "field label not supported: status.startTime",
	})
}

func TestResolvedSnapshot(t *testing.T) {
	ctx := registrytest.NewContext(registrytest.Namespace)
	snapshot := mltesting.MakePipeline("train", "").
		Params(mltesting.MakeParamSpec("lr").Type(ml.ParamTypeFloat).Default("0.1").Obj()).
		Tasks(mltesting.MakeTask("fit").Obj()).Spec()
	resolved := func(r *ml.PipelineRun) {
		r.Status.PipelineSpec = snapshot.DeepCopy()
		r.Status.Params = []ml.Param{{Name: "lr", Value: "0.1"}}
	}
	running := func(r *ml.PipelineRun) {
		r.Status.Phase = ml.PipelineRunRunning
		r.Status.ObservedGeneration = 1
	}
	with := func(changes ...func(*ml.PipelineRun)) *ml.PipelineRun {
		r := makeRun().Obj()
		r.Generation = 1
		for _, c := range changes {
			c(r)
		}
		return r
	}
	referenced := func(r *ml.PipelineRun) {
		r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", Hash: "sha256:forged"}
	}
	edited := func(r *ml.PipelineRun) {
		r.Status.PipelineSpec.Tasks[0].Image = "evil"
		r.Status.Params = []ml.Param{{Name: "lr", Value: "9"}}
	}

	t.Run("create keeps the snapshot and clears the rest", func(t *testing.T) {
		in := with(resolved, running)
		NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForCreate(ctx, in)
		if diff := cmp.Diff(with(resolved), in); diff != "" {
			t.Errorf("PrepareForCreate (-want +got):\n%s", diff)
		}
	})
	reused := func(r *ml.PipelineRun) {
		r.Status.Tasks = []ml.PipelineTaskStatus{{Name: "fit", Task: "fit", Phase: ml.TaskSucceeded, Reason: "Reused"}}
	}
	retry := func(r *ml.PipelineRun) {
		r.Spec.PipelineRef, r.Spec.RetryOf = nil, &ml.LocalObjectReference{Name: "failed"}
	}
	t.Run("create clears tasks a run that is no retry was given", func(t *testing.T) {
		in := with(resolved, reused)
		NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForCreate(ctx, in)
		if diff := cmp.Diff(with(resolved), in); diff != "" {
			t.Errorf("PrepareForCreate (-want +got):\n%s", diff)
		}
	})
	t.Run("create of a retry keeps the reused tasks", func(t *testing.T) {
		in := with(retry, resolved, reused, running)
		NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForCreate(ctx, in)
		if diff := cmp.Diff(with(retry, resolved, reused), in); diff != "" {
			t.Errorf("PrepareForCreate (-want +got):\n%s", diff)
		}
	})
	t.Run("main-resource update keeps the stored snapshot", func(t *testing.T) {
		in := with(resolved, edited)
		NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForUpdate(ctx, in, with(resolved))
		if diff := cmp.Diff(with(resolved), in); diff != "" {
			t.Errorf("PrepareForUpdate (-want +got):\n%s", diff)
		}
	})
	t.Run("status update keeps the stored snapshot and writes the rest", func(t *testing.T) {
		in := with(resolved, running, edited)
		NewStatusStrategy(scheme.Scheme).PrepareForUpdate(ctx, in, with(resolved))
		if diff := cmp.Diff(with(resolved, running), in); diff != "" {
			t.Errorf("PrepareForUpdate (-want +got):\n%s", diff)
		}
	})
	t.Run("status update cannot set a snapshot a run was created without", func(t *testing.T) {
		in := with(resolved, running, referenced)
		NewStatusStrategy(scheme.Scheme).PrepareForUpdate(ctx, in, with())
		want := with(running)
		want.Status.Params = in.Status.Params
		if diff := cmp.Diff(want, in); diff != "" {
			t.Errorf("PrepareForUpdate (-want +got):\n%s", diff)
		}
	})
}

// TestSnapshotReference: status.pipeline, which admission writes on
// create, is kept on create and never changes through either update.
func TestSnapshotReference(t *testing.T) {
	ctx := registrytest.NewContext(registrytest.Namespace)
	ref := func(hash string) func(*ml.PipelineRun) {
		return func(r *ml.PipelineRun) {
			r.Status.Pipeline = &ml.PipelineSnapshotRef{Name: "train", ResourceVersion: "7", Generation: 2, Hash: hash, Tasks: 1}
			r.Status.Params = []ml.Param{{Name: "lr", Value: "0.1"}}
		}
	}
	with := func(changes ...func(*ml.PipelineRun)) *ml.PipelineRun {
		r := makeRun().Obj()
		r.Generation = 1
		for _, c := range changes {
			c(r)
		}
		return r
	}
	running := func(r *ml.PipelineRun) { r.Status.Phase = ml.PipelineRunRunning }

	in := with(ref(""), running)
	NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForCreate(ctx, in)
	if diff := cmp.Diff(with(ref("")), in); diff != "" {
		t.Errorf("PrepareForCreate (-want +got):\n%s", diff)
	}
	in = with(ref("sha256:evil"), running)
	in.Status.Params[0].Value = "9"
	NewStatusStrategy(scheme.Scheme).PrepareForUpdate(ctx, in, with(ref("sha256:a")))
	if diff := cmp.Diff(with(ref("sha256:a"), running), in); diff != "" {
		t.Errorf("status PrepareForUpdate (-want +got):\n%s", diff)
	}
	in = with(ref("sha256:evil"))
	NewStrategy(scheme.Scheme, validation.DefaultOptions()).PrepareForUpdate(ctx, in, with(ref("sha256:a")))
	if diff := cmp.Diff(with(ref("sha256:a")), in); diff != "" {
		t.Errorf("PrepareForUpdate (-want +got):\n%s", diff)
	}
}
