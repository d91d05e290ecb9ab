package mlquota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// TestTuningJobWithRolesChargedEveryRole: a TuningJob whose trials have
// roles is charged every role's pods of each parallel trial, and a trial
// whose roles differ from the template's holds its own.
func TestTuningJobWithRolesChargedEveryRole(t *testing.T) {
	// 2 workers and a chief of 1 CPU, 2 ps of 1 CPU: 5 CPUs a trial.
	tj := mltesting.MakeTrainingJob("x", ns).Request(corev1.ResourceCPU, "1").TFRoles(2, 2).Obj().Spec
	search := func(parallel int32) *ml.TuningJob {
		return mltesting.MakeTuningJob("search", ns).UID("uid-search").TrainingJob(tj).Trials(10, parallel, 3).Obj()
	}
	f := newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "12")})
	create := func(tun *ml.TuningJob) error {
		return f.do(t, admissiontest.Request{Resource: "tuningjobs", Kind: "TuningJob", Name: tun.Name, Object: tun})
	}
	wantCode(t, create(search(3)), 403,
		`requests.cpu requested 15 (parallelTrials 3 x worker: 2 replicas x 1, chief: 1 replicas x 1, ps: 2 replicas x 1)`)

	tun := search(2)
	f = newFixtureOf(t, true, []*corev1.ResourceQuota{quota("cpu", "requests.cpu", "12")}, tun)
	createJob := func(j *ml.TrainingJob) error {
		return f.do(t, admissiontest.Request{Resource: "trainingjobs", Kind: "TrainingJob", Name: j.Name, Object: j})
	}
	if err := createJob(trialOf(tun, 0)); err != nil {
		t.Fatalf("a trial as the template: %v", err)
	}
	if used, _ := f.used(t, "requests.cpu"); used != "10" {
		t.Errorf("record says %s CPUs used, want the TuningJob's 10", used)
	}
	bigger := trialOf(tun, 1)
	bigger.Spec.Roles[2].Replicas = ptr.To[int32](4)
	wantCode(t, createJob(bigger), 403, `requests.cpu requested 7 (worker: 2 replicas x 1, chief: 1 replicas x 1, ps: 4 replicas x 1), other ml.example.io objects hold 10 of 12`)
}
