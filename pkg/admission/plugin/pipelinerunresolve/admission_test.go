package pipelinerunresolve

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

const ns = admissiontest.Namespace

func trainPipeline() *ml.Pipeline {
	return mltesting.MakePipeline("train", ns).
		Params(
			mltesting.MakeParamSpec("lr").Type(ml.ParamTypeFloat).Default("0.1").Obj(),
			mltesting.MakeParamSpec("epochs").Type(ml.ParamTypeInt).Obj(),
		).
		Tasks(mltesting.MakeTask("fit").Obj()).Obj()
}

// newPlugin returns the plugin over informers holding cached and a client
// holding live (objects the informer has not seen yet). synced false
// leaves the informers unsynced.
func newPlugin(t *testing.T, synced bool, cached, live []runtime.Object) *Plugin {
	t.Helper()
	p := New()
	p.Gate().Wait = 0
	factory := externalversions.NewSharedInformerFactory(fake.NewClientset(cached...), 0)
	p.SetMLInformerFactory(factory)
	p.SetMLClient(fake.NewClientset(append(live, cached...)...))
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	if synced {
		factory.Start(t.Context().Done())
		factory.WaitForCacheSync(t.Context().Done())
		t.Cleanup(factory.Shutdown)
	}
	return p
}

func TestAdmit(t *testing.T) {
	pipeline := admissiontest.Versioned(t, trainPipeline(), &mlv1alpha1.Pipeline{})
	fit := mltesting.MakeTask("fit").Obj()
	inline := mltesting.MakePipeline("", "").
		Params(mltesting.MakeParamSpec("msg").Default("hi").Obj()).
		Tasks(fit).Spec()
	tests := map[string]struct {
		run          *ml.PipelineRun
		notSynced    bool
		cached, live []runtime.Object
		wantSpec     *ml.PipelineSpec
		wantParams   []ml.Param
		wantCode     int32
		wantErr      []string
		noSnapshot   bool
	}{
		"ref: defaults fill what is not given": {
			run:        mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "3").Obj(),
			cached:     []runtime.Object{pipeline},
			wantSpec:   &trainPipeline().Spec,
			wantParams: []ml.Param{{Name: "lr", Value: "0.1"}, {Name: "epochs", Value: "3"}},
		},
		"ref: given values win over defaults": {
			run:        mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "3").Param("lr", "0.5").Obj(),
			cached:     []runtime.Object{pipeline},
			wantSpec:   &trainPipeline().Spec,
			wantParams: []ml.Param{{Name: "lr", Value: "0.5"}, {Name: "epochs", Value: "3"}},
		},
		"ref: a Pipeline the informer has not seen yet is read live": {
			run:        mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "3").Obj(),
			live:       []runtime.Object{pipeline},
			wantSpec:   &trainPipeline().Spec,
			wantParams: []ml.Param{{Name: "lr", Value: "0.1"}, {Name: "epochs", Value: "3"}},
		},
		"ref: missing Pipeline is refused naming it": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("nope").Obj(),
			cached:   []runtime.Object{pipeline},
			wantCode: 422,
			wantErr:  []string{"spec.pipelineRef.name", `Pipeline "nope" does not exist in namespace "team-a"`},
		},
		"ref: a param of the wrong type is refused naming it": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "many").Obj(),
			cached:   []runtime.Object{pipeline},
			wantCode: 422,
			wantErr:  []string{"spec.params[0].value", `parameter "epochs" is of type int`},
		},
		"ref: a missing required param is refused naming it": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("train").Obj(),
			cached:   []runtime.Object{pipeline},
			wantCode: 422,
			wantErr:  []string{"spec.params", `parameter "epochs" has no default and must be given`},
		},
		"ref: an undeclared param is refused naming it": {
			run:      mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "1").Param("momentum", "0.9").Obj(),
			cached:   []runtime.Object{pipeline},
			wantCode: 422,
			wantErr:  []string{"spec.params[1].name", "momentum", "is not a parameter of the pipeline"},
		},
		"inline spec is snapshotted": {
			run:        mltesting.MakePipelineRun("r", ns).PipelineSpec(inline).Obj(),
			wantSpec:   inline,
			wantParams: []ml.Param{{Name: "msg", Value: "hi"}},
		},
		"a snapshot given by the client is overwritten": {
			run: func() *ml.PipelineRun {
				r := mltesting.MakePipelineRun("r", ns).PipelineSpec(inline).Param("msg", "yo").Obj()
				r.Status.PipelineSpec = mltesting.MakePipeline("", "").Tasks(mltesting.MakeTask("evil").Obj()).Spec()
				r.Status.Params = []ml.Param{{Name: "msg", Value: "evil"}}
				return r
			}(),
			wantSpec:   inline,
			wantParams: []ml.Param{{Name: "msg", Value: "yo"}},
		},
		"inline spec with a bad param is left to validation": {
			run: mltesting.MakePipelineRun("r", ns).PipelineSpec(mltesting.MakePipeline("", "").
				Params(mltesting.MakeParamSpec("n").Type(ml.ParamTypeInt).Obj()).Tasks(fit).Spec()).Param("n", "x").Obj(),
			noSnapshot: true,
		},
		"ref and inline spec together are left to validation": {
			run: func() *ml.PipelineRun {
				r := mltesting.MakePipelineRun("r", ns).PipelineSpec(inline).Obj()
				r.Spec.PipelineRef = &ml.LocalObjectReference{Name: "nope"}
				return r
			}(),
			noSnapshot: true,
		},
		"inline spec needs no informer": {
			run:        mltesting.MakePipelineRun("r", ns).PipelineSpec(inline).Obj(),
			notSynced:  true,
			wantSpec:   inline,
			wantParams: []ml.Param{{Name: "msg", Value: "hi"}},
		},
		"informers not synced: 503, no answer": {
			run:       mltesting.MakePipelineRun("r", ns).PipelineRef("train").Param("epochs", "3").Obj(),
			cached:    []runtime.Object{pipeline},
			notSynced: true,
			wantCode:  503,
			wantErr:   []string{"PipelineRunResolve is not ready", "pipelines"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPlugin(t, !tc.notSynced, tc.cached, tc.live)
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: tc.run.Name, Object: tc.run}.Attributes()
			err := p.Admit(t.Context(), a, nil)
			if tc.wantCode != 0 {
				checkErr(t, err, tc.wantCode, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Admit: %v", err)
			}
			if diff := cmp.Diff(tc.wantSpec, tc.run.Status.PipelineSpec); diff != "" {
				t.Errorf("status.pipelineSpec (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantParams, tc.run.Status.Params); diff != "" {
				t.Errorf("status.params (-want +got):\n%s", diff)
			}
			if err := p.Validate(t.Context(), a, nil); (err != nil) != tc.noSnapshot {
				t.Errorf("Validate after Admit: %v", err)
			}
		})
	}
}

func TestIgnored(t *testing.T) {
	p := newPlugin(t, false, nil, nil)
	run := mltesting.MakePipelineRun("r", ns).PipelineRef("nope").Obj()
	for name, req := range map[string]admissiontest.Request{
		"update":             {Operation: admission.Update, Resource: "pipelineruns", Kind: "PipelineRun", Object: run, Old: run},
		"status subresource": {Operation: admission.Update, Resource: "pipelineruns", Subresource: "status", Kind: "PipelineRun", Object: run, Old: run},
		"other resource":     {Resource: "trainingjobs", Kind: "TrainingJob", Object: mltesting.MakeTrainingJob("j", ns).Obj()},
	} {
		t.Run(name, func(t *testing.T) {
			if err := p.Admit(t.Context(), req.Attributes(), nil); err != nil {
				t.Errorf("Admit: %v", err)
			}
			if err := p.Validate(t.Context(), req.Attributes(), nil); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	p := newPlugin(t, true, nil, nil)
	inline := mltesting.MakePipeline("", "").Params(mltesting.MakeParamSpec("msg").Obj()).Tasks(mltesting.MakeTask("fit").Obj()).Spec()
	tests := map[string]struct {
		mutate  func(*ml.PipelineRun)
		wantErr []string
	}{
		"no snapshot": {
			mutate:  func(r *ml.PipelineRun) { r.Status.PipelineSpec = nil },
			wantErr: []string{"status.pipelineSpec", "Required"},
		},
		"snapshot params changed after Admit": {
			mutate:  func(r *ml.PipelineRun) { r.Status.Params = nil },
			wantErr: []string{"status.params", `"msg" has no default`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			run := mltesting.MakePipelineRun("r", ns).PipelineSpec(inline).Param("msg", "x").Obj()
			run.Status.PipelineSpec, run.Status.Params = inline.DeepCopy(), []ml.Param{{Name: "msg", Value: "x"}}
			tc.mutate(run)
			a := admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Object: run}.Attributes()
			checkErr(t, p.Validate(t.Context(), a, nil), 422, tc.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, code int32, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %d error, got none", code)
	}
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != code {
		t.Fatalf("want code %d, got %v", code, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
