package profileserviceaccount

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

const ns = admissiontest.Namespace

func namespace(labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}
}

var profileNS = namespace(map[string]string{"ml.example.io/profile": ns})

func newPlugin(t *testing.T, synced bool, cached, live []runtime.Object) *Plugin {
	t.Helper()
	p := New()
	p.Gate().Wait = 0
	factory := informers.NewSharedInformerFactory(fake.NewClientset(cached...), 0)
	p.SetExternalKubeInformerFactory(factory)
	p.SetExternalKubeClientSet(fake.NewClientset(append(live, cached...)...))
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

// run is a pipeline run with resolved tasks of the given service accounts
// and a finally task without one.
func run(accounts ...string) *ml.PipelineRun {
	var tasks []ml.PipelineTask
	for i, sa := range accounts {
		tasks = append(tasks, mltesting.MakeTask(string(rune('a'+i))).ServiceAccountName(sa).Obj())
	}
	r := mltesting.MakePipelineRun("r", ns).PipelineSpec(mltesting.MakePipeline("", "").Tasks(tasks...).Spec()).Obj()
	r.Spec.PipelineSpec.Finally = []ml.PipelineTask{mltesting.MakeTask("notify").Obj()}
	r.Status.PipelineSpec = r.Spec.PipelineSpec.DeepCopy()
	return r
}

// accounts are the service accounts of the pods obj would make.
func accounts(obj runtime.Object) []string {
	switch o := obj.(type) {
	case *ml.TrainingJob:
		return []string{o.Spec.ServiceAccountName}
	case *ml.PipelineRun:
		var out []string
		for _, t := range append(o.Status.PipelineSpec.Tasks, o.Status.PipelineSpec.Finally...) {
			out = append(out, t.ServiceAccountName)
		}
		return out
	case *ml.Notebook:
		return []string{o.Spec.ServiceAccountName}
	}
	return nil
}

func TestAdmit(t *testing.T) {
	tests := map[string]struct {
		op           admission.Operation
		resource     string
		subresource  string
		kind         string
		obj, old     runtime.Object
		cached, live []runtime.Object
		notSynced    bool
		want         []string
		wantCode     int32
	}{
		"training job in a profile namespace": {
			obj: mltesting.MakeTrainingJob("j", ns).Obj(), cached: []runtime.Object{profileNS}, want: []string{"default-editor"},
		},
		"explicit service account is kept": {
			obj: mltesting.MakeTrainingJob("j", ns).ServiceAccountName("robot").Obj(), cached: []runtime.Object{profileNS}, want: []string{"robot"},
		},
		"namespace without the profile label": {
			obj: mltesting.MakeTrainingJob("j", ns).Obj(), cached: []runtime.Object{namespace(map[string]string{"team": "a"})}, want: []string{""},
		},
		"profile namespace the informer has not seen yet": {
			obj: mltesting.MakeTrainingJob("j", ns).Obj(), live: []runtime.Object{profileNS}, want: []string{"default-editor"},
		},
		"missing namespace is left to NamespaceLifecycle": {
			obj: mltesting.MakeTrainingJob("j", ns).Obj(), want: []string{""},
		},
		"pipeline run: every task without one, finally included": {
			resource: "pipelineruns", kind: "PipelineRun", obj: run("", "robot"), cached: []runtime.Object{profileNS},
			want: []string{"default-editor", "robot", "default-editor"},
		},
		"pipeline run outside a profile": {
			resource: "pipelineruns", kind: "PipelineRun", obj: run(""), cached: []runtime.Object{namespace(nil)}, want: []string{"", ""},
		},
		"notebooks are not changed": {
			resource: "notebooks", kind: "Notebook", obj: mltesting.MakeNotebook("nb", ns).Obj(), cached: []runtime.Object{profileNS}, want: []string{""},
		},
		"updates are not changed": {
			op: admission.Update, obj: mltesting.MakeTrainingJob("j", ns).Obj(), old: mltesting.MakeTrainingJob("j", ns).Obj(),
			cached: []runtime.Object{profileNS}, want: []string{""},
		},
		"informers not synced: 503": {
			obj: mltesting.MakeTrainingJob("j", ns).Obj(), cached: []runtime.Object{profileNS}, notSynced: true, wantCode: 503, want: []string{""},
		},
		"nothing to default needs no informer": {
			obj: mltesting.MakeTrainingJob("j", ns).ServiceAccountName("robot").Obj(), notSynced: true, want: []string{"robot"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPlugin(t, !tc.notSynced, tc.cached, tc.live)
			resource, kind := tc.resource, tc.kind
			if resource == "" {
				resource, kind = "trainingjobs", "TrainingJob"
			}
			attrs := admissiontest.Request{Operation: tc.op, Resource: resource, Subresource: tc.subresource, Kind: kind,
				Name: "x", Object: tc.obj, Old: tc.old}.Attributes()
			if !p.Handles(attrs.GetOperation()) {
				if diff := cmp.Diff(tc.want, accounts(tc.obj)); diff != "" {
					t.Errorf("service accounts (-want +got):\n%s", diff)
				}
				return
			}
			err := p.Admit(t.Context(), attrs, nil)
			if tc.wantCode != 0 {
				var status apierrors.APIStatus
				if err == nil || !strings.Contains(err.Error(), PluginName) {
					t.Fatalf("error %v, want one naming %s", err, PluginName)
				}
				if s, ok := err.(apierrors.APIStatus); ok {
					status = s
				}
				if status == nil || status.Status().Code != tc.wantCode {
					t.Fatalf("error %v, want code %d", err, tc.wantCode)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, accounts(tc.obj)); diff != "" {
				t.Errorf("service accounts (-want +got):\n%s", diff)
			}
		})
	}
}
