package validation_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func TestValidateTrainingJobRoles(t *testing.T) {
	tf := func() *mltesting.TrainingJobWrapper { return job().Framework(ml.FrameworkTensorFlow).Replicas(2) }
	mpi := func() *mltesting.TrainingJobWrapper { return job().Framework(ml.FrameworkMPI).Replicas(2) }
	small := validation.DefaultOptions()
	small.MaxReplicas = 4
	cases := []struct {
		name string
		obj  *ml.TrainingJob
		opts *validation.Options
		want []string
	}{
		{name: "TF chief, workers, ps", obj: job().TFRoles(2, 1).Obj()},
		{name: "TF all roles", obj: tf().Role(ml.RoleChief, 1).Role(ml.RolePS, 2).Role(ml.RoleEvaluator, 1).Obj()},
		{name: "TF roles without replicas", obj: tf().Role(ml.RoleChief, -1).Role(ml.RolePS, -1).Obj()},
		{name: "TF no chief", obj: tf().Role(ml.RoleChief, 0).Role(ml.RolePS, 1).Obj()},
		{name: "TF role overrides", obj: tf().RoleSpec(ml.ReplicaRole{Name: ml.RolePS, ContainerSpec: ml.ContainerSpec{
			Image: "tf-ps:1", Command: []string{"python3", "ps.py"}, Env: []corev1.EnvVar{{Name: "ROLE", Value: "ps"}}}}).Obj()},
		{name: "MPI launcher and workers", obj: job().MPIRoles(2, 4).Obj()},
		{name: "TF role scheduling", obj: tf().RoleSpec(ml.ReplicaRole{Name: ml.RoleWorker, NodeSelector: map[string]string{"pool": "gpu"},
			Tolerations: []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}}).Obj()},
		{name: "role nodeSelector invalid", obj: tf().RoleSpec(ml.ReplicaRole{Name: ml.RoleWorker, NodeSelector: map[string]string{"pool": "not valid"}}).Obj(),
			want: []string{"spec.roles[0].nodeSelector: Invalid value"}},
		{name: "role toleration invalid", obj: tf().RoleSpec(ml.ReplicaRole{Name: ml.RoleWorker, Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Value: "x"}}}).Obj(),
			want: []string{`spec.roles[0].tolerations[0].value: Invalid value: "x": must be empty when operator is Exists`}},
		{name: "MPI slots without roles", obj: mpi().NumProcPerNode(2).Obj()},

		{name: "role unknown for TF", obj: tf().Role("master", 1).Obj(),
			want: []string{`spec.roles[0].name: Unsupported value: "master": supported values: "chief", "worker", "ps", "evaluator"`}},
		{name: "launcher is no TF role", obj: tf().Role(ml.RoleLauncher, 1).Obj(), want: []string{`spec.roles[0].name: Unsupported value: "launcher"`}},
		{name: "ps is no MPI role", obj: mpi().Role(ml.RoleLauncher, 1).Role(ml.RolePS, 1).Obj(), want: []string{`spec.roles[1].name: Unsupported value: "ps"`}},
		{name: "roles for PyTorch", obj: job().Framework(ml.FrameworkPyTorch).Role(ml.RoleWorker, -1).Obj(),
			want: []string{"spec.roles: Forbidden: roles are for frameworks TensorFlow (chief, worker, ps, evaluator) and MPI (launcher, worker), not PyTorch"}},
		{name: "roles for Generic", obj: job().Role(ml.RoleChief, 1).Obj(), want: []string{"spec.roles: Forbidden"}},
		{name: "role without name", obj: tf().Role("", 1).Obj(), want: []string{"spec.roles[0].name: Required value"}},
		{name: "role twice", obj: tf().Role(ml.RolePS, 1).Role(ml.RolePS, 2).Obj(), want: []string{`spec.roles[1].name: Duplicate value: "ps"`}},
		{name: "worker replicas", obj: tf().Role(ml.RoleWorker, 2).Obj(),
			want: []string{"spec.roles[0].replicas: Forbidden: the worker role's replica count is spec.replicas"}},
		{name: "two launchers", obj: mpi().Role(ml.RoleLauncher, 2).Obj(), want: []string{"spec.roles[0].replicas: Invalid value: 2: must be 1: an MPI job has one launcher"}},
		{name: "no launcher", obj: mpi().Role(ml.RoleLauncher, 0).Obj(), want: []string{"spec.roles[0].replicas: Invalid value: 0: must be 1"}},
		{name: "MPI roles without a launcher", obj: mpi().Role(ml.RoleWorker, -1).Obj(), want: []string{"spec.roles: Required value: an MPI job with roles has a launcher role"}},
		{name: "two chiefs", obj: tf().Role(ml.RoleChief, 2).Obj(), want: []string{"spec.roles[0].replicas: Invalid value: 2: must be 0 or 1: a job has at most one chief"}},
		{name: "two evaluators", obj: tf().Role(ml.RoleEvaluator, 2).Obj(), want: []string{"spec.roles[0].replicas: Invalid value: 2"}},
		{name: "negative ps", obj: tf().Role(ml.RolePS, -1).RoleSpec(ml.ReplicaRole{Name: ml.RoleEvaluator, Replicas: ptr.To[int32](-3)}).Obj(),
			want: []string{"spec.roles[1].replicas: Invalid value: -3"}},
		{name: "ps over the cap", obj: tf().Role(ml.RolePS, 5).Obj(), opts: &small,
			want: []string{"spec.roles[0].replicas: Invalid value: 5: must be no more than 4 (the server's --max-replicas)",
				"spec.roles: Invalid value: 7: the job's replicas of every role (workers included) must be no more than 4"}},
		{name: "every role together over the cap", obj: job().TFRoles(2, 2).Obj(), opts: &small,
			want: []string{"spec.roles: Invalid value: 5: the job's replicas of every role (workers included) must be no more than 4 (the server's --max-replicas)"}},
		{name: "role env checked", obj: tf().RoleSpec(ml.ReplicaRole{Name: ml.RolePS, ContainerSpec: ml.ContainerSpec{Env: []corev1.EnvVar{{Name: ""}}}}).Obj(),
			want: []string{"spec.roles[0].env[0].name: Required value"}},
		{name: "roles and elastic", obj: job().TFRoles(2, 1).Elastic(1, 4).Obj(),
			want: []string{"spec.elastic: Forbidden: a job with roles has a fixed set of replicas"}},
		{name: "slots for TF", obj: job().TFRoles(2, 1).NumProcPerNode(2).Obj(), want: []string{"spec.numProcPerNode: Invalid value: 2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			if tc.opts != nil {
				o = *tc.opts
			}
			checkErrorTexts(t, tc.want, validation.ValidateTrainingJob(tc.obj, o))
		})
	}
}

func TestValidateTrainingJobRolesImmutable(t *testing.T) {
	old := job().TFRoles(2, 1).Obj()
	old.ResourceVersion = "1"
	changed := job().TFRoles(2, 2).Obj()
	changed.ResourceVersion = "1"
	checkErrors(t, []string{"spec.roles: Invalid value"}, validation.ValidateTrainingJobUpdate(changed, old, opts))
	same := old.DeepCopy()
	checkErrors(t, nil, validation.ValidateTrainingJobUpdate(same, old, opts))
}

func TestValidateTrainingRuntimeRoles(t *testing.T) {
	rt := func(f ml.Framework, roles ...ml.ReplicaRole) *ml.ClusterTrainingRuntime {
		r := mltesting.MakeClusterTrainingRuntime("tf")
		r.Spec.Template.Framework = f
		r.Spec.Template.NumProcPerNode = nil
		r.Spec.Template.Roles = roles
		return r
	}
	cases := []struct {
		name string
		obj  *ml.ClusterTrainingRuntime
		want []string
	}{
		{name: "TF", obj: rt(ml.FrameworkTensorFlow, ml.ReplicaRole{Name: ml.RoleChief}, ml.ReplicaRole{Name: ml.RolePS, Replicas: ptr.To[int32](2)})},
		{name: "framework left to jobs", obj: rt("", ml.ReplicaRole{Name: ml.RoleLauncher})},
		{name: "unknown role", obj: rt(ml.FrameworkMPI, ml.ReplicaRole{Name: ml.RoleChief}), want: []string{`spec.template.roles[0].name: Unsupported value: "chief"`}},
		{name: "worker replicas", obj: rt(ml.FrameworkMPI, ml.ReplicaRole{Name: ml.RoleWorker, Replicas: ptr.To[int32](3)}),
			want: []string{"spec.template.roles[0].replicas: Forbidden"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrorTexts(t, tc.want, validation.ValidateClusterTrainingRuntime(tc.obj, opts))
		})
	}
}

// checkErrorTexts checks that there is one error per want, each holding
// its want.
func checkErrorTexts(t *testing.T, want []string, errs field.ErrorList) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(errs), len(want), errs.ToAggregate())
	}
	for i, e := range errs {
		if !strings.Contains(e.Error(), want[i]) {
			t.Errorf("error %d = %q, want it to hold %q", i, e.Error(), want[i])
		}
	}
}

// TestRuntimesDocJobsAreValid: the TrainingJobs of docs/runtimes.md that
// name no runtime are valid as written (jobs that name one are checked
// merged with it by TestExamplesAreValid's runtime examples).
func TestRuntimesDocJobsAreValid(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})
	md, err := os.ReadFile("../../../../docs/runtimes.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(md, -1) {
		if !strings.Contains(string(b[1]), "kind: TrainingJob\n") || strings.Contains(string(b[1]), "runtimeRef") {
			continue
		}
		n++
		versioned, _, err := decoder.Decode(b[1], nil, nil)
		if err != nil {
			t.Fatalf("decode %s: %v", b[1], err)
		}
		scheme.Default(versioned)
		internal, err := scheme.ConvertToVersion(versioned, ml.SchemeGroupVersion)
		if err != nil {
			t.Fatal(err)
		}
		job := internal.(*ml.TrainingJob)
		job.Namespace = "default"
		if errs := validation.ValidateTrainingJob(job, opts); len(errs) > 0 {
			t.Errorf("job %s of docs/runtimes.md: %v", job.Name, errs.ToAggregate())
		}
	}
	if n < 2 {
		t.Errorf("found %d TrainingJobs with roles in docs/runtimes.md, want the TensorFlow and MPI examples", n)
	}
}
