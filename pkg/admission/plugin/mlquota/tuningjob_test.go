package mlquota

import (
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/trainingruntimeresolve"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// cpuSearch is TuningJob search (uid-search) of parallel trials of one
// replica requesting 2 CPUs.
func cpuSearch(parallel int32) *ml.TuningJob {
	tj := mltesting.MakeTrainingJob("x", ns).Request(corev1.ResourceCPU, "2").Obj().Spec
	tun := mltesting.MakeTuningJob("search", ns).UID("uid-search").TrainingJob(tj).Trials(10, parallel, 3).Obj()
	return tun
}

// trialOf is trial index of tun, as the TuningJob controller creates it.
func trialOf(tun *ml.TuningJob, index int) *ml.TrainingJob {
	tj := &ml.TrainingJob{Spec: *tun.Spec.TrialTemplate.TrainingJob.DeepCopy()}
	tj.Name, tj.Namespace = tun.Name+"-"+strconv.Itoa(index), ns
	tj.UID = types.UID("uid-" + tj.Name)
	tj.Labels = map[string]string{mlv1alpha1.TuningJobNameLabel: tun.Name}
	tj.Annotations = map[string]string{mlv1alpha1.TrialIndexAnnotation: strconv.Itoa(index)}
	v1 := &mlv1alpha1.TuningJob{ObjectMeta: tun.ObjectMeta}
	tj.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(v1, mlv1alpha1.SchemeGroupVersion.WithKind("TuningJob"))}
	return tj
}

// TestTuningJobChargedItsPeak: a TuningJob is charged parallelTrials x
// one trial's requests when it is created, and refused with the numbers
// when they do not fit.
func TestTuningJobChargedItsPeak(t *testing.T) {
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "4")})
	create := func(tun *ml.TuningJob) error {
		return f.do(t, admissiontest.Request{Resource: "tuningjobs", Kind: "TuningJob", Name: tun.Name, Object: tun})
	}
	wantCode(t, create(cpuSearch(3)), 403,
		`exceeded quota "cpu": requests.cpu requested 6 (parallelTrials 3 x 1 replicas x 2), other ml.example.io objects hold 0 of 4, 4 left`)
	if err := create(cpuSearch(2)); err != nil {
		t.Fatalf("2 parallel trials of 2 CPUs against 4: %v", err)
	}
	if used, pending := f.used(t, "requests.cpu"); used != "4" || len(pending) != 1 || pending[0] != "tuningjobs.search" {
		t.Errorf("record says %s CPUs used, pending %v; want 4, [tuningjobs.search]", used, pending)
	}
}

// TestTrialsHeldByTheirTuningJob: the first parallelTrials running trials
// of a running TuningJob hold nothing of their own (its peak holds for
// them); a trial beyond them, or a TrainingJob claiming a TuningJob that
// does not control it, holds what any TrainingJob holds.
func TestTrialsHeldByTheirTuningJob(t *testing.T) {
	tun := cpuSearch(2)
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "5")}, tun)
	createJob := func(tj *ml.TrainingJob) error {
		return f.do(t, admissiontest.Request{Resource: "trainingjobs", Kind: "TrainingJob", Name: tj.Name, Object: tj})
	}
	// The record starts from the objects: the TuningJob's 4 CPUs. Its
	// first two trials hold nothing more.
	for i := range 2 {
		if err := createJob(trialOf(tun, i)); err != nil {
			t.Fatalf("trial %d of 2 parallel: %v", i, err)
		}
		if used, _ := f.used(t, "requests.cpu"); used != "4" {
			t.Errorf("record says %s CPUs used after trial %d, want the TuningJob's 4", used, i)
		}
		if err := f.ml.Tracker().Add(toV1alpha1(t, trialOf(tun, i))); err != nil {
			t.Fatal(err)
		}
		waitForJobs(t, f, i+1)
	}
	// tun-0 and tun-1 run: a third trial is beyond parallelTrials and
	// holds its own 2 CPUs.
	wantCode(t, createJob(trialOf(tun, 2)), 403, `requests.cpu requested 2 (1 replicas x 2), other ml.example.io objects hold 4 of 5, 1 left`)

	// A TrainingJob whose owner reference names another TuningJob's UID.
	forged := trialOf(tun, 0)
	forged.Name = "forged"
	forged.OwnerReferences[0].UID = "uid-other"
	wantCode(t, createJob(forged), 403, `requests.cpu requested 2 (1 replicas x 2)`)
}

// waitForJobs waits until the plugin's informer lists n TrainingJobs.
func waitForJobs(t *testing.T, f *fixture, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if jobs, _ := f.p.jobs.TrainingJobs(ns).List(labels.Everything()); len(jobs) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the informer never listed %d TrainingJobs", n)
}

// trainPipeline is Pipeline train: prepare (1 CPU), then fit and eval
// (2 CPUs each) side by side, gated by a condition on a tuned param.
func trainPipeline() *ml.Pipeline {
	return mltesting.MakePipeline("train", ns).
		Params(mltesting.MakeParamSpec("lr").Obj()).
		Tasks(
			mltesting.MakeTask("prepare").Request(corev1.ResourceCPU, "1").Obj(),
			mltesting.MakeTask("fit").Request(corev1.ResourceCPU, "2").DependsOn("prepare").Obj(),
			mltesting.MakeTask("eval").Request(corev1.ResourceCPU, "2").DependsOn("prepare").When("$(params.lr)", ml.WhenOperatorIn, "0.1").Obj(),
		).Obj()
}

// pipelineSearch is TuningJob search (uid-search) of parallel PipelineRun
// trials of Pipeline train.
func pipelineSearch(parallel int32) *ml.TuningJob {
	run := mltesting.MakePipelineRun("x", ns).PipelineRef("train").Param("lr", "$(params.lr)").Obj()
	return mltesting.MakeTuningJob("search", ns).UID("uid-search").PipelineRun(run.Spec, "fit").Trials(10, parallel, 3).Obj()
}

// runTrialOf is trial index of tun as the TuningJob controller creates it
// and PipelineRunResolve resolves it.
func runTrialOf(tun *ml.TuningJob, index int) *ml.PipelineRun {
	run := &ml.PipelineRun{Spec: *tun.Spec.TrialTemplate.PipelineRun.DeepCopy()}
	run.Name, run.Namespace = tun.Name+"-"+strconv.Itoa(index), ns
	run.UID = types.UID("uid-" + run.Name)
	run.Labels = map[string]string{mlv1alpha1.TuningJobNameLabel: tun.Name}
	run.Annotations = map[string]string{mlv1alpha1.TrialIndexAnnotation: strconv.Itoa(index)}
	run.Spec.Params = []ml.Param{{Name: "lr", Value: "0.1"}}
	run.Status.PipelineSpec, run.Status.Params = &trainPipeline().Spec, run.Spec.Params
	v1 := &mlv1alpha1.TuningJob{ObjectMeta: tun.ObjectMeta}
	run.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(v1, mlv1alpha1.SchemeGroupVersion.WithKind("TuningJob"))}
	return run
}

// TestPipelineTuningJobChargedItsPeak: a TuningJob of PipelineRun trials
// is charged parallelTrials x the peak of its pipeline, every task counted
// (a condition may read a tuned param), and refused with the numbers; its
// first parallelTrials trials hold nothing more, a trial beyond them holds
// its own peak.
func TestPipelineTuningJobChargedItsPeak(t *testing.T) {
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "9")}, trainPipeline())
	create := func(tun *ml.TuningJob) error {
		return f.do(t, admissiontest.Request{Resource: "tuningjobs", Kind: "TuningJob", Name: tun.Name, Object: tun})
	}
	// fit and eval run at once: 4 CPUs a trial.
	wantCode(t, create(pipelineSearch(3)), 403,
		`exceeded quota "cpu": requests.cpu requested 12 (parallelTrials 3 x the peak of one trial's pipeline run (tasks that can run at once: fit 1 x 2, eval 1 x 2)), other ml.example.io objects hold 0 of 9, 9 left`)
	tun := pipelineSearch(2)
	if err := create(tun); err != nil {
		t.Fatalf("2 parallel trials of 4 CPUs against 9: %v", err)
	}
	if used, _ := f.used(t, "requests.cpu"); used != "8" {
		t.Fatalf("record says %s CPUs used, want 8", used)
	}
	if err := f.ml.Tracker().Add(toV1alpha1(t, tun)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := f.p.tuns.TuningJobs(ns).Get(tun.Name); return err == nil })

	createRun := func(run *ml.PipelineRun) error {
		return f.do(t, admissiontest.Request{Resource: "pipelineruns", Kind: "PipelineRun", Name: run.Name, Object: run})
	}
	for i := range 2 {
		if err := createRun(runTrialOf(tun, i)); err != nil {
			t.Fatalf("trial %d of 2 parallel: %v", i, err)
		}
		if used, _ := f.used(t, "requests.cpu"); used != "8" {
			t.Errorf("record says %s CPUs used after trial %d, want the TuningJob's 8", used, i)
		}
		if err := f.ml.Tracker().Add(toV1alpha1(t, runTrialOf(tun, i))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { runs, _ := f.p.runs.PipelineRuns(ns).List(labels.Everything()); return len(runs) > i })
	}
	wantCode(t, createRun(runTrialOf(tun, 2)), 403, `requests.cpu requested 4`)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the informer never showed the object")
}

// mpiRuntime is ClusterTrainingRuntime mpi: 2 workers requesting 2 CPUs
// each and a launcher requesting 1.
func mpiRuntime() *ml.ClusterTrainingRuntime {
	rt := mltesting.MakeClusterTrainingRuntime("mpi")
	tmpl := &rt.Spec.Template
	tmpl.Framework, tmpl.NumProcPerNode = ml.FrameworkMPI, nil
	tmpl.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	tmpl.Roles = []ml.ReplicaRole{
		{Name: ml.RoleLauncher, ContainerSpec: ml.ContainerSpec{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}},
		{Name: ml.RoleWorker},
	}
	return rt
}

// TestTuningJobOfARuntimeChargedWhatItsTrialsRun: the trials of a
// TuningJob whose template names a training runtime are admitted with the
// runtime merged in (its replicas, roles and resources), so the TuningJob
// is charged parallelTrials x what such a trial runs, and those trials
// hold nothing of their own.
func TestTuningJobOfARuntimeChargedWhatItsTrialsRun(t *testing.T) {
	rt := mpiRuntime()
	search := func() *ml.TuningJob {
		// As defaulted: the fields a runtime may set are left unset.
		tj := ml.TrainingJobSpec{
			RuntimeRef:     &ml.TrainingRuntimeRef{Kind: ml.ClusterTrainingRuntimeKind, Name: rt.Name},
			BackoffLimit:   ptr.To(mlv1alpha1.DefaultBackoffLimit),
			CleanPodPolicy: ml.CleanPodPolicyRunning,
		}
		return mltesting.MakeTuningJob("search", ns).UID("uid-search").TrainingJob(tj).Trials(10, 2, 3).Obj()
	}
	create := func(f *fixture, tun *ml.TuningJob) error {
		return f.do(t, admissiontest.Request{Resource: "tuningjobs", Kind: "TuningJob", Name: tun.Name, Object: tun})
	}
	// One trial: 2 workers x 2 CPUs and a launcher of 1 CPU.
	wantCode(t, create(newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "9")}, rt), search()), 403,
		`exceeded quota "cpu": requests.cpu requested 10 (parallelTrials 2 x `)
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "10")}, rt)
	if err := create(f, search()); err != nil {
		t.Fatalf("2 parallel trials of 5 CPUs against 10: %v", err)
	}
	if used, _ := f.used(t, "requests.cpu"); used != "10" {
		t.Errorf("record says %s CPUs used, want 10", used)
	}

	// Its trials, as TrainingRuntimeResolve admits them, hold nothing
	// more.
	tun := search()
	f = newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "10")}, rt, tun)
	for i := range 2 {
		trial := trialOf(tun, i)
		trainingruntimeresolve.Resolve(&trial.Spec, &rt.Spec.Template)
		if err := f.do(t, admissiontest.Request{Resource: "trainingjobs", Kind: "TrainingJob", Name: trial.Name, Object: trial}); err != nil {
			t.Fatalf("trial %d of 2 parallel: %v", i, err)
		}
		if used, _ := f.used(t, "requests.cpu"); used != "10" {
			t.Errorf("record says %s CPUs used after trial %d, want the TuningJob's 10", used, i)
		}
		if err := f.ml.Tracker().Add(toV1alpha1(t, trial)); err != nil {
			t.Fatal(err)
		}
		waitForJobs(t, f, i+1)
	}
}
