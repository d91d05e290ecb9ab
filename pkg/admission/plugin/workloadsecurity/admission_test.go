package workloadsecurity

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

const ns = admissiontest.Namespace

func namespace(level string) *corev1.Namespace {
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if level != "" {
		n.Labels = map[string]string{"pod-security.kubernetes.io/enforce": level}
	}
	return n
}

func serviceAccount(name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
}

func newPlugin(t *testing.T, synced bool, cached, live []runtime.Object) *Plugin {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
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

// restrictedContext meets the restricted standard.
func restrictedContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func notebook(sc *corev1.SecurityContext) *ml.Notebook {
	nb := mltesting.MakeNotebook("nb", ns).Obj()
	nb.Spec.SecurityContext = sc
	return nb
}

func privileged() *corev1.SecurityContext { return &corev1.SecurityContext{Privileged: ptr.To(true)} }

func TestValidate(t *testing.T) {
	hostPathJob := mltesting.MakeTrainingJob("j", ns).Volume(corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: "/data"},
	}}).Obj()
	privilegedTask := mltesting.MakeTask("fit").Obj()
	privilegedTask.SecurityContext = privileged()
	run := mltesting.MakePipelineRun("r", ns).PipelineSpec(mltesting.MakePipeline("", "").Tasks(mltesting.MakeTask("prep").Obj(), privilegedTask).Spec()).Obj()
	run.Status.PipelineSpec = run.Spec.PipelineSpec.DeepCopy()

	tests := map[string]struct {
		level        string
		op           admission.Operation
		resource     string
		subresource  string
		kind         string
		obj, old     runtime.Object
		notSynced    bool
		cached, live []runtime.Object
		wantCode     int32
		wantErr      []string
	}{
		"privileged notebook in a restricted namespace": {
			level: "restricted", obj: notebook(privileged()), wantCode: 403,
			wantErr: []string{`PodSecurity "restricted:latest" of namespace "team-a"`, `privileged (container "notebook" must not set securityContext.privileged=true)`},
		},
		"privileged notebook in a privileged namespace":      {level: "privileged", obj: notebook(privileged())},
		"privileged notebook in a namespace without a level": {obj: notebook(privileged())},
		"restricted notebook in a restricted namespace":      {level: "restricted", obj: notebook(restrictedContext())},
		"hostPath job in a baseline namespace": {
			level: "baseline", resource: "trainingjobs", kind: "TrainingJob", obj: hostPathJob, wantCode: 403,
			wantErr: []string{`PodSecurity "baseline:latest"`, `hostPath volumes (volume "data")`},
		},
		"privileged task of a run names the task": {
			level: "baseline", resource: "pipelineruns", kind: "PipelineRun", obj: run, wantCode: 403,
			wantErr: []string{`pods of task "fit": privileged`},
		},
		"privileged task of a recurring run's template": {
			level: "baseline", resource: "recurringruns", kind: "RecurringRun", wantCode: 403,
			wantErr: []string{`pods of its runs' task "fit": privileged`},
			obj: &ml.RecurringRun{
				ObjectMeta: metav1.ObjectMeta{Name: "rr", Namespace: ns},
				Spec:       ml.RecurringRunSpec{RunTemplate: ml.RunTemplate{PipelineRun: &run.Spec}},
			},
		},
		"hostPath job template of a recurring run": {
			level: "baseline", resource: "recurringruns", kind: "RecurringRun", wantCode: 403,
			wantErr: []string{`pods of its TrainingJobs`, `hostPath volumes (volume "data")`},
			obj: &ml.RecurringRun{
				ObjectMeta: metav1.ObjectMeta{Name: "rr", Namespace: ns},
				Spec:       ml.RecurringRunSpec{RunTemplate: ml.RunTemplate{TrainingJob: &hostPathJob.Spec}},
			},
		},
		"privileged model server in a baseline namespace": {
			level: "baseline", resource: "models", kind: "Model", wantCode: 403, wantErr: []string{`container "server"`},
			obj: func() runtime.Object {
				m := mltesting.MakeModel("m", ns).SourceURI("s3://b/m").Obj()
				m.Spec.SecurityContext = privileged()
				return m
			}(),
		},
		"update that does not change the pods": {
			level: "restricted", op: admission.Update, obj: mltesting.MakeNotebook("nb", ns).Label("a", "b").Obj(), old: mltesting.MakeNotebook("nb", ns).Obj(),
		},
		"update that makes the pods privileged": {
			level: "restricted", op: admission.Update, obj: notebook(privileged()), old: notebook(nil), wantCode: 403,
			wantErr: []string{"privileged"},
		},
		"status subresource is not checked": {
			level: "restricted", op: admission.Update, subresource: "status", obj: notebook(privileged()), old: notebook(nil),
		},
		"missing service account": {
			obj: mltesting.MakeNotebook("nb", ns).ServiceAccountName("robot").Obj(), wantCode: 422,
			wantErr: []string{"spec.serviceAccountName", `ServiceAccount "robot" does not exist in namespace "team-a"`},
		},
		"existing service account": {
			obj: mltesting.MakeNotebook("nb", ns).ServiceAccountName("robot").Obj(), cached: []runtime.Object{serviceAccount("robot")},
		},
		"service account the informer has not seen yet": {
			obj: mltesting.MakeNotebook("nb", ns).ServiceAccountName("robot").Obj(), live: []runtime.Object{serviceAccount("robot")},
		},
		"informers not synced: 503": {
			level: "restricted", obj: notebook(restrictedContext()), notSynced: true, wantCode: 503,
			wantErr: []string{"WorkloadSecurity is not ready", "namespaces", "serviceaccounts"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cached := append([]runtime.Object{namespace(tc.level)}, tc.cached...)
			p := newPlugin(t, !tc.notSynced, cached, tc.live)
			resource, kind := tc.resource, tc.kind
			if resource == "" {
				resource, kind = "notebooks", "Notebook"
			}
			req := admissiontest.Request{Operation: tc.op, Resource: resource, Subresource: tc.subresource, Kind: kind, Name: "x", Object: tc.obj}
			if tc.old != nil {
				req.Old = tc.old
			}
			err := p.Validate(t.Context(), req.Attributes(), nil)
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			status, ok := err.(apierrors.APIStatus)
			if !ok || status.Status().Code != tc.wantCode {
				t.Fatalf("want code %d, got %v", tc.wantCode, err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
