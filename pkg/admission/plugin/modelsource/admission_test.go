package modelsource

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	clienttesting "k8s.io/client-go/testing"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

const ns = admissiontest.Namespace

func job(t *testing.T, name string, phase ml.TrainingJobPhase) runtime.Object {
	return admissiontest.Versioned(t, mltesting.MakeTrainingJob(name, ns).Phase(phase).Obj(), &mlv1alpha1.TrainingJob{})
}

func newPlugin(t *testing.T, client *fake.Clientset) *Plugin {
	t.Helper()
	p := New()
	p.SetMLClient(client)
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	jobs := []runtime.Object{
		job(t, "done", ml.TrainingJobSucceeded),
		job(t, "running", ml.TrainingJobRunning),
		job(t, "broken", ml.TrainingJobFailed),
		job(t, "new", ""),
	}
	ref := func(name string) ml.ModelSource {
		return ml.ModelSource{TrainingJobRef: &ml.LocalObjectReference{Name: name}}
	}
	model := func(source string) *mltesting.ModelWrapper {
		return mltesting.MakeModel("m", ns).Source(ref(source))
	}
	tests := map[string]struct {
		op           admission.Operation
		obj, old     *ml.Model
		readFails    bool
		wantCode     int32
		wantErr      []string
		wantWarnings []string
	}{
		"succeeded job": {obj: model("done").Obj()},
		"uri source":    {obj: mltesting.MakeModel("m", ns).SourceURI("s3://b/m").Obj()},
		"running job: accepted with a warning": {
			obj:          model("running").Obj(),
			wantWarnings: []string{`spec.source.trainingJobRef.name: TrainingJob "running" has not succeeded yet (Running); the Model waits with SourceResolved=False until it does`},
		},
		"job without status yet: accepted with a warning": {
			obj:          model("new").Obj(),
			wantWarnings: []string{`spec.source.trainingJobRef.name: TrainingJob "new" has not succeeded yet (not started); the Model waits with SourceResolved=False until it does`},
		},
		"failed job: 422 naming it": {
			obj: model("broken").Obj(), wantCode: 422,
			wantErr: []string{"spec.source.trainingJobRef.name", `TrainingJob "broken" failed`},
		},
		"missing job: 422 naming it": {
			obj: model("ghost").Obj(), wantCode: 422,
			wantErr: []string{"spec.source.trainingJobRef.name", `TrainingJob "ghost" does not exist in namespace "team-a"`},
		},
		"canary of a failed job: 422 naming it": {
			obj: model("done").Canary(ref("broken"), 10).Obj(), wantCode: 422,
			wantErr: []string{"spec.canary.source.trainingJobRef.name", `TrainingJob "broken" failed`},
		},
		"update keeping the ref of a job that failed since": {
			op: admission.Update, obj: model("broken").Replicas(2).Obj(), old: model("broken").Obj(),
		},
		"update to a missing job": {
			op: admission.Update, obj: model("ghost").Obj(), old: model("done").Obj(), wantCode: 422,
			wantErr: []string{`TrainingJob "ghost" does not exist`},
		},
		"the job cannot be read: 500 naming the field, never an answer": {
			obj: model("done").Obj(), readFails: true, wantCode: 500,
			wantErr: []string{"spec.source.trainingJobRef.name", `read TrainingJob "done"`, "etcd unavailable"},
		},
		"a failing read does not matter without a job ref": {
			obj: mltesting.MakeModel("m", ns).SourceURI("s3://b/m").Obj(), readFails: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			client := fake.NewClientset(jobs...)
			if tc.readFails {
				client.PrependReactor("get", "trainingjobs", func(clienttesting.Action) (bool, runtime.Object, error) {
					return true, nil, errors.New("etcd unavailable")
				})
			}
			p := newPlugin(t, client)
			req := admissiontest.Request{Operation: tc.op, Resource: "models", Kind: "Model", Name: "m", Object: tc.obj}
			if tc.old != nil {
				req.Old = tc.old
			}
			var warnings admissiontest.Warnings
			err := p.Validate(warnings.Context(t), req.Attributes(), nil)
			if tc.wantCode != 0 {
				status, ok := err.(apierrors.APIStatus)
				if !ok || status.Status().Code != tc.wantCode {
					t.Fatalf("want code %d, got %v", tc.wantCode, err)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(tc.wantWarnings, []string(warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
