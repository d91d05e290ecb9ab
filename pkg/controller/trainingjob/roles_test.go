package trainingjob

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// tfJob is TensorFlow job "a" of a chief, 2 workers, 1 ps and an
// evaluator.
func tfJob() *mlv1alpha1.TrainingJob {
	return makeJob("a").TFRoles(2, 1).Role(ml.RoleEvaluator, 1).V1alpha1()
}

// mpiJob is MPI job "a" of a launcher and 2 workers of 4 slots.
func mpiJob() *mlv1alpha1.TrainingJob {
	return makeJob("a").MPIRoles(2, 4).V1alpha1()
}

func TestLayout(t *testing.T) {
	cases := map[string]struct {
		job  *mlv1alpha1.TrainingJob
		want []string
	}{
		"no roles":    {job: makeJob("a").Replicas(3).V1alpha1(), want: []string{"a-0", "a-1", "a-2"}},
		"TensorFlow":  {job: tfJob(), want: []string{"a-chief-0", "a-worker-0", "a-worker-1", "a-ps-0", "a-evaluator-0"}},
		"TF no chief": {job: makeJob("a").Framework(ml.FrameworkTensorFlow).Replicas(2).Role(ml.RolePS, 2).Role(ml.RoleChief, 0).V1alpha1(), want: []string{"a-worker-0", "a-worker-1", "a-ps-0", "a-ps-1"}},
		// Listed in any order, laid out in the framework's.
		"MPI": {job: makeJob("a").Framework(ml.FrameworkMPI).Replicas(2).Role(ml.RoleWorker, -1).Role(ml.RoleLauncher, 1).V1alpha1(), want: []string{"a-launcher-0", "a-worker-0", "a-worker-1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for i := range totalReplicas(tc.job) {
				got = append(got, replicaName(tc.job, i))
				// Every pod maps back to its number.
				r := replicaSpec(tc.job, i)
				n, ok := replicaIndex(tc.job, repOf(r.Name, r.Template.Labels))
				if !ok || n != i {
					t.Errorf("replicaIndex(%s) = %d, %v; want %d", r.Name, n, ok, i)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("replicas (-want +got):\n%s", diff)
			}
		})
	}
	// Pods that are no replica of the job.
	job := tfJob()
	for _, r := range []struct {
		name   string
		labels map[string]string
	}{
		{"a-ps-1", map[string]string{mlv1alpha1.ReplicaIndexLabel: "1", mlv1alpha1.ReplicaRoleLabel: "ps"}},             // one ps only
		{"a-ps-0", map[string]string{mlv1alpha1.ReplicaIndexLabel: "0", mlv1alpha1.ReplicaRoleLabel: "chief"}},          // name and labels disagree
		{"a-launcher-0", map[string]string{mlv1alpha1.ReplicaIndexLabel: "0", mlv1alpha1.ReplicaRoleLabel: "launcher"}}, // no launcher in TF
		{"a-0", map[string]string{mlv1alpha1.ReplicaIndexLabel: "0"}},                                                   // no role
	} {
		if n, ok := replicaIndex(job, repOf(r.name, r.labels)); ok {
			t.Errorf("replicaIndex(%s) = %d, want none", r.name, n)
		}
	}
}

func TestRoleEnv(t *testing.T) {
	const metrics = "https://kubernetes.default.svc/apis/ml.example.io/v1alpha1/namespaces/ns/trainingjobs/a/metrics"
	common := func(role, index, replicas string) []corev1.EnvVar {
		return []corev1.EnvVar{
			{Name: "ML_JOB_NAME", Value: "a"},
			{Name: "ML_REPLICA_ROLE", Value: role},
			{Name: "ML_REPLICA_INDEX", Value: index},
			{Name: "ML_REPLICAS", Value: replicas},
			{Name: "ML_METRICS_URL", Value: metrics},
		}
	}
	const cluster = `"cluster":{"chief":["a-chief-0.a.ns.svc:29500"],"ps":["a-ps-0.a.ns.svc:29500"],"worker":["a-worker-0.a.ns.svc:29500","a-worker-1.a.ns.svc:29500"]}`
	tf := func(task string) corev1.EnvVar {
		return corev1.EnvVar{Name: "TF_CONFIG", Value: "{" + cluster + `,"task":` + task + "}"}
	}
	mpiCommon := []corev1.EnvVar{
		{Name: "ML_HOSTS", Value: "a-worker-0.a.ns.svc,a-worker-1.a.ns.svc"},
		{Name: "ML_SLOTS_PER_WORKER", Value: "4"},
	}
	noChief := makeJob("a").Framework(ml.FrameworkTensorFlow).Replicas(2).Role(ml.RoleChief, 0).V1alpha1()
	cases := []struct {
		name  string
		job   *mlv1alpha1.TrainingJob
		index int32
		want  []corev1.EnvVar
	}{
		{name: "TF chief", job: tfJob(), index: 0, want: append(common("chief", "0", "1"), tf(`{"type":"chief","index":0}`))},
		{name: "TF worker 0", job: tfJob(), index: 1, want: append(common("worker", "0", "2"), tf(`{"type":"worker","index":0}`))},
		{name: "TF worker 1", job: tfJob(), index: 2, want: append(common("worker", "1", "2"), tf(`{"type":"worker","index":1}`))},
		{name: "TF ps", job: tfJob(), index: 3, want: append(common("ps", "0", "1"), tf(`{"type":"ps","index":0}`))},
		// The evaluator is not in the cluster it evaluates.
		{name: "TF evaluator", job: tfJob(), index: 4, want: append(common("evaluator", "0", "1"), tf(`{"type":"evaluator","index":0}`))},
		{name: "TF without chief", job: noChief, index: 1, want: append(common("worker", "1", "2"), corev1.EnvVar{Name: "TF_CONFIG",
			Value: `{"cluster":{"worker":["a-worker-0.a.ns.svc:29500","a-worker-1.a.ns.svc:29500"]},"task":{"type":"worker","index":1}}`})},
		{name: "MPI launcher", job: mpiJob(), index: 0, want: slices.Concat(common("launcher", "0", "1"), mpiCommon, []corev1.EnvVar{
			{Name: "ML_HOSTFILE", Value: "/etc/mpi/hostfile"},
			{Name: "ML_NUM_PROCESSES", Value: "8"},
			{Name: "OMPI_MCA_orte_default_hostfile", Value: "/etc/mpi/hostfile"},
			{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "true"},
			{Name: "HYDRA_HOST_FILE", Value: "/etc/mpi/hostfile"},
		})},
		{name: "MPI worker 0", job: mpiJob(), index: 1, want: slices.Concat(common("worker", "0", "2"), mpiCommon)},
		{name: "MPI worker 1", job: mpiJob(), index: 2, want: slices.Concat(common("worker", "1", "2"), mpiCommon)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, replicaEnv(tc.job, tc.index)); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTFRoleConfigParses reads every replica's TF_CONFIG as TensorFlow
// does: its own address is in the cluster (but the evaluator's), at its
// type and index.
func TestTFRoleConfigParses(t *testing.T) {
	job := tfJob()
	job.Spec.MasterPort = ptr.To[int32](2222)
	for i := range totalReplicas(job) {
		s := slotOf(job, i)
		var cfg struct {
			Cluster map[string][]string
			Task    struct {
				Type  string
				Index int
			}
		}
		if err := json.Unmarshal([]byte(tfRoleConfig(job, s)), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Task.Type != s.role || cfg.Task.Index != int(s.index) {
			t.Errorf("replica %d: task %+v, want %s %d", i, cfg.Task, s.role, s.index)
		}
		if len(cfg.Cluster["chief"]) != 1 || len(cfg.Cluster["worker"]) != 2 || len(cfg.Cluster["ps"]) != 1 || len(cfg.Cluster["evaluator"]) != 0 {
			t.Errorf("replica %d: cluster %v", i, cfg.Cluster)
		}
		if s.role != ml.RoleEvaluator {
			if got, want := cfg.Cluster[s.role][s.index], replicaName(job, i)+".a.ns.svc:2222"; got != want {
				t.Errorf("replica %d is at %s in the cluster, want %s", i, got, want)
			}
		}
	}
}

func TestRoleReplicaSpec(t *testing.T) {
	job := makeJob("a").MPIRoles(2, 4).RoleSpec(ml.ReplicaRole{Name: ml.RoleLauncher, ContainerSpec: ml.ContainerSpec{
		Image:   "mpi-launcher:1",
		Command: []string{"mpirun", "python", "train.py"},
		Env:     []corev1.EnvVar{{Name: "EPOCHS", Value: "5"}},
	}}).Env("EPOCHS", "3").Env("SEED", "1").Limit(corev1.ResourceCPU, "4").V1alpha1()
	// The launcher role is listed twice by the builder: keep the second.
	job.Spec.Roles = job.Spec.Roles[1:]

	launcher := replicaSpec(job, 0)
	if launcher.Name != "a-launcher-0" || launcher.Template.Spec.Hostname != "a-launcher-0" || launcher.Template.Spec.Subdomain != "a" {
		t.Errorf("launcher pod %s, hostname %s.%s", launcher.Name, launcher.Template.Spec.Hostname, launcher.Template.Spec.Subdomain)
	}
	if diff := cmp.Diff(map[string]string{
		mlv1alpha1.TrainingJobNameLabel: "a", mlv1alpha1.ReplicaRoleLabel: "launcher", mlv1alpha1.ReplicaIndexLabel: "0",
	}, launcher.Template.Labels); diff != "" {
		t.Errorf("launcher labels (-want +got):\n%s", diff)
	}
	wantHostfile := "a-worker-0.a.ns.svc slots=4\na-worker-1.a.ns.svc slots=4\n"
	if got := launcher.Template.Annotations[mlv1alpha1.HostfileAnnotation]; got != wantHostfile {
		t.Errorf("hostfile annotation = %q, want %q", got, wantHostfile)
	}
	wantVolume := corev1.Volume{Name: "ml-hostfile", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{{Path: "hostfile", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['ml.example.io/hostfile']"}}},
	}}}
	if diff := cmp.Diff([]corev1.Volume{wantVolume}, launcher.Template.Spec.Volumes); diff != "" {
		t.Errorf("launcher volumes (-want +got):\n%s", diff)
	}
	c := launcher.Template.Spec.Containers[0]
	if diff := cmp.Diff([]corev1.VolumeMount{{Name: "ml-hostfile", MountPath: "/etc/mpi", ReadOnly: true}}, c.VolumeMounts); diff != "" {
		t.Errorf("launcher mounts (-want +got):\n%s", diff)
	}
	// The role's image, command and EPOCHS; the job's SEED and resources.
	if c.Image != "mpi-launcher:1" || !slices.Equal(c.Command, []string{"mpirun", "python", "train.py"}) || !c.Resources.Limits.Cpu().Equal(resource.MustParse("4")) {
		t.Errorf("launcher container %s %v %v", c.Image, c.Command, c.Resources)
	}
	if got := envValue(c.Env, "EPOCHS"); got != "5" {
		t.Errorf("launcher EPOCHS = %q, want the role's 5", got)
	}
	if got := envValue(c.Env, "SEED"); got != "1" {
		t.Errorf("launcher SEED = %q, want the job's 1", got)
	}

	worker := replicaSpec(job, 2)
	wc := worker.Template.Spec.Containers[0]
	if worker.Name != "a-worker-1" || wc.Image != "trainer:1" || envValue(wc.Env, "EPOCHS") != "3" || len(worker.Template.Spec.Volumes) != 0 ||
		worker.Template.Annotations[mlv1alpha1.HostfileAnnotation] != "" || envValue(wc.Env, "ML_HOSTFILE") != "" {
		t.Errorf("worker pod %s: image %s, env %v, volumes %v, annotations %v", worker.Name, wc.Image, wc.Env, worker.Template.Spec.Volumes, worker.Template.Annotations)
	}
}

// TestSyncTFRoles: a chief, 2 workers and a ps make 4 pods under the
// job's headless Service; the job succeeds with its chief, and the
// parameter server still running then goes with cleanPodPolicy Running.
func TestSyncTFRoles(t *testing.T) {
	f := newFixture(t, makeJob("a").TFRoles(2, 1).V1alpha1())
	f.mustSync()
	if diff := cmp.Diff([]string{"create services a", "create pods a-chief-0", "create pods a-worker-0", "create pods a-worker-1", "create pods a-ps-0", "update trainingjobs/status a"}, f.writes()); diff != "" {
		t.Fatalf("writes (-want +got):\n%s", diff)
	}
	svc, err := f.Kube.CoreV1().Services("ns").Get(f.Ctx, "a", metav1.GetOptions{})
	if err != nil || svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Spec.Selector[mlv1alpha1.TrainingJobNameLabel] != "a" {
		t.Errorf("headless Service a selecting every role: %v, %v", svc, err)
	}
	if p := f.pod("a-ps-0"); p.Spec.Hostname != "a-ps-0" || p.Spec.Subdomain != "a" || p.Labels[mlv1alpha1.ReplicaRoleLabel] != "ps" {
		t.Errorf("ps pod: hostname %s.%s, labels %v", p.Spec.Hostname, p.Spec.Subdomain, p.Labels)
	}
	if st := f.job().Status; st.Replicas != 4 || st.Phase != mlv1alpha1.TrainingJobPending {
		t.Errorf("status after creation = %+v", st)
	}
	for _, name := range []string{"a-chief-0", "a-worker-0", "a-worker-1", "a-ps-0"} {
		f.setPod(name, corev1.PodRunning, true, 0)
	}
	f.mustSync()
	if st := f.job().Status; st.Phase != mlv1alpha1.TrainingJobRunning || st.ReadyReplicas != 4 {
		t.Errorf("status while running = %+v", st)
	}
	// Workers finishing first do not end the job.
	f.setPod("a-worker-0", corev1.PodSucceeded, false, 0)
	f.setPod("a-worker-1", corev1.PodSucceeded, false, 0)
	f.mustSync()
	if st := f.job().Status; st.Phase != mlv1alpha1.TrainingJobRunning {
		t.Errorf("status once the workers succeeded = %+v, want Running until the chief ends", st)
	}
	f.setPod("a-chief-0", corev1.PodSucceeded, false, 0)
	f.mustSync()
	st := f.job().Status
	if st.Phase != mlv1alpha1.TrainingJobSucceeded {
		t.Fatalf("status once the chief succeeded = %+v", st)
	}
	if c := findCondition(st.Conditions, ConditionComplete); c == nil || c.Message != "The chief succeeded" {
		t.Errorf("Complete condition = %+v", c)
	}
	f.mustSync()
	if diff := cmp.Diff([]string{"a-chief-0", "a-worker-0", "a-worker-1"}, f.podNames()); diff != "" {
		t.Errorf("pods after the end (-want +got): the running ps goes\n%s", diff)
	}
}

// TestSyncMPIRoles: the job ends with its launcher; a failed worker is
// replaced under its own name.
func TestSyncMPIRoles(t *testing.T) {
	f := newFixture(t, makeJob("a").MPIRoles(2, 2).V1alpha1())
	f.mustSync()
	if diff := cmp.Diff([]string{"a-launcher-0", "a-worker-0", "a-worker-1"}, f.podNames()); diff != "" {
		t.Fatalf("pods (-want +got):\n%s", diff)
	}
	if got := f.pod("a-launcher-0").Annotations[mlv1alpha1.HostfileAnnotation]; got != "a-worker-0.a.ns.svc slots=2\na-worker-1.a.ns.svc slots=2\n" {
		t.Errorf("launcher's hostfile = %q", got)
	}
	f.setPod("a-worker-1", corev1.PodFailed, false, 1)
	f.mustSync()
	f.mustSync()
	if diff := cmp.Diff([]string{"a-launcher-0", "a-worker-0"}, f.podNames()); diff != "" {
		t.Fatalf("pods after the failure (-want +got):\n%s", diff)
	}
	f.step(time.Minute)
	f.mustSync()
	if diff := cmp.Diff([]string{"a-launcher-0", "a-worker-0", "a-worker-1"}, f.podNames()); diff != "" {
		t.Fatalf("pods after the replacement (-want +got):\n%s", diff)
	}
	f.setPod("a-launcher-0", corev1.PodSucceeded, false, 0)
	f.mustSync()
	st := f.job().Status
	if c := findCondition(st.Conditions, ConditionComplete); st.Phase != mlv1alpha1.TrainingJobSucceeded || c == nil || c.Message != "The launcher succeeded" {
		t.Errorf("status once the launcher succeeded = %+v", st)
	}
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// repOf is a running replica of job "a" named name with labels.
func repOf(name string, labels map[string]string) workload.ReplicaStatus {
	return workload.ReplicaStatus{Name: name, UID: name, Labels: labels, Phase: workload.PhaseRunning}
}

func findCondition(conditions []metav1.Condition, condType string) *metav1.Condition {
	return meta.FindStatusCondition(conditions, condType)
}

// A role's nodeSelector adds to the job's (its keys win) and its
// tolerations replace the job's: workers on GPU nodes, the parameter
// server on the job's CPU nodes.
func TestRolePodOptions(t *testing.T) {
	gpu := corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	spot := corev1.Toleration{Key: "spot", Operator: corev1.TolerationOpEqual, Value: "true"}
	job := makeJob("a").TFRoles(2, 1).V1alpha1()
	job.Spec.NodeSelector = map[string]string{"pool": "cpu", "zone": "a"}
	job.Spec.Tolerations = []corev1.Toleration{spot}
	for i := range job.Spec.Roles {
		if job.Spec.Roles[i].Name == mlv1alpha1.RoleWorker {
			job.Spec.Roles[i].NodeSelector = map[string]string{"pool": "gpu", "accelerator": "a100"}
			job.Spec.Roles[i].Tolerations = []corev1.Toleration{gpu}
		}
	}
	for i := range totalReplicas(job) {
		spec := replicaSpec(job, i).Template.Spec
		role := slotOf(job, i).role
		wantSelector, wantTolerations := map[string]string{"pool": "cpu", "zone": "a"}, []corev1.Toleration{spot}
		if role == mlv1alpha1.RoleWorker {
			wantSelector, wantTolerations = map[string]string{"pool": "gpu", "zone": "a", "accelerator": "a100"}, []corev1.Toleration{gpu}
		}
		if diff := cmp.Diff(wantSelector, spec.NodeSelector); diff != "" {
			t.Errorf("%s replica %d: nodeSelector (-want +got):\n%s", role, i, diff)
		}
		if diff := cmp.Diff(wantTolerations, spec.Tolerations); diff != "" {
			t.Errorf("%s replica %d: tolerations (-want +got):\n%s", role, i, diff)
		}
	}
	if job.Spec.NodeSelector["pool"] != "cpu" || len(job.Spec.Tolerations) != 1 {
		t.Errorf("building the pods changed the job's spec: %v %v", job.Spec.NodeSelector, job.Spec.Tolerations)
	}
}
