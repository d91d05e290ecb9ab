package model

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
)

// TestServe follows a model from creation to Ready, through a scale, and
// checks that a sync with nothing new writes nothing.
func TestServe(t *testing.T) {
	f := newFixture(t, makeModel("a").obj())

	f.sync()
	want := []string{"create deployments a", "create services a", "update models/status a"}
	if diff := cmp.Diff(want, f.writes()); diff != "" {
		t.Errorf("first sync writes (-want +got):\n%s", diff)
	}
	d := f.deployment("a")
	if d == nil || *d.Spec.Replicas != 1 {
		t.Fatalf("deployment = %+v", d)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if controllertest.Env(c, "ML_MODEL_URI") != "s3://models/mnist/1" || controllertest.Env(c, "ML_MODEL_FORMAT") != "onnx" || c.Image != "server:1" {
		t.Errorf("server container = %+v", c)
	}
	if d.Spec.Template.Labels[NameLabel] != "a" || d.Spec.Template.Labels[TrackLabel] != TrackStable {
		t.Errorf("pod labels = %v", d.Spec.Template.Labels)
	}
	m := f.model()
	if m.Status.Phase != mlv1alpha1.ModelPending && m.Status.Phase != mlv1alpha1.ModelLoading {
		t.Errorf("phase after creating = %q", m.Status.Phase)
	}
	if m.Status.URL != "http://a.ns.svc:8080" || m.Status.Selector != "ml.example.io/model=a" || m.Status.ModelURI != "s3://models/mnist/1" {
		t.Errorf("status = %+v", m.Status)
	}
	if !meta.IsStatusConditionTrue(m.Status.Conditions, ConditionSourceResolved) {
		t.Errorf("SourceResolved not true: %+v", m.Status.Conditions)
	}
	if diff := cmp.Diff([]string{EventSuccessfulCreate, EventSuccessfulCreate, ReasonResolved}, f.eventReasons(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	f.sync()
	if got := f.model().Status.Phase; got != mlv1alpha1.ModelLoading {
		t.Errorf("phase while the pods start = %q, want Loading", got)
	}
	f.eventReasons()

	f.rollOut("a")
	f.sync()
	m = f.model()
	if m.Status.Phase != mlv1alpha1.ModelReady || !meta.IsStatusConditionTrue(m.Status.Conditions, ConditionReady) ||
		m.Status.Replicas != 1 || m.Status.ReadyReplicas != 1 {
		t.Errorf("status once available = %+v", m.Status)
	}
	if diff := cmp.Diff([]string{EventReady}, f.eventReasons()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	f.sync()
	if w := f.writes(); len(w) != 0 {
		t.Errorf("a sync with nothing new wrote %v", w)
	}

	f.update(func(m *mlv1alpha1.Model) { m.Spec.Replicas = ptr.To[int32](3) })
	f.sync()
	if got := *f.deployment("a").Spec.Replicas; got != 3 {
		t.Errorf("deployment replicas after scaling to 3 = %d", got)
	}
	if diff := cmp.Diff([]string{EventScaled}, f.eventReasons()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	f.update(func(m *mlv1alpha1.Model) { m.Spec.Replicas = ptr.To[int32](0) })
	f.sync()
	if got := *f.deployment("a").Spec.Replicas; got != 0 {
		t.Errorf("deployment replicas after scaling to 0 = %d", got)
	}
	if got := f.model().Status.Phase; got != mlv1alpha1.ModelStopped {
		t.Errorf("phase at 0 replicas = %q, want Stopped", got)
	}
}

func TestCanary(t *testing.T) {
	f := newFixture(t, makeModel("a").replicas(4).canary("s3://models/mnist/2", 25).obj())
	f.sync()
	stable, canary := f.deployment("a"), f.deployment("a-canary")
	if stable == nil || canary == nil {
		t.Fatalf("deployments: stable %v, canary %v", stable != nil, canary != nil)
	}
	if *stable.Spec.Replicas != 3 || *canary.Spec.Replicas != 1 {
		t.Errorf("replicas: stable %d, canary %d; want 3, 1", *stable.Spec.Replicas, *canary.Spec.Replicas)
	}
	if got := controllertest.Env(canary.Spec.Template.Spec.Containers[0], "ML_MODEL_URI"); got != "s3://models/mnist/2" {
		t.Errorf("canary ML_MODEL_URI = %q", got)
	}
	// The selectors keep the tracks apart; the Service selects both.
	if stable.Spec.Selector.MatchLabels[TrackLabel] != TrackStable || canary.Spec.Selector.MatchLabels[TrackLabel] != TrackCanary {
		t.Errorf("selectors: %v, %v", stable.Spec.Selector.MatchLabels, canary.Spec.Selector.MatchLabels)
	}
	svc, err := f.Kube.CoreV1().Services("ns").Get(f.Ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{NameLabel: "a"}, svc.Spec.Selector); diff != "" {
		t.Errorf("service selector (-want +got):\n%s", diff)
	}

	f.rollOut("a")
	f.rollOut("a-canary")
	f.sync()
	m := f.model()
	if m.Status.Phase != mlv1alpha1.ModelReady || m.Status.Replicas != 4 || m.Status.CanaryReplicas != 1 {
		t.Errorf("status = %+v", m.Status)
	}

	f.update(func(m *mlv1alpha1.Model) { m.Spec.Canary.TrafficPercent = 50 })
	f.sync()
	if s, c := *f.deployment("a").Spec.Replicas, *f.deployment("a-canary").Spec.Replicas; s != 2 || c != 2 {
		t.Errorf("replicas at 50%%: stable %d, canary %d", s, c)
	}

	// Promoting: the canary's version becomes the source, the canary goes.
	f.update(func(m *mlv1alpha1.Model) {
		m.Spec.Source = m.Spec.Canary.Source
		m.Spec.Canary = nil
	})
	f.eventReasons()
	f.sync()
	if f.deployment("a-canary") != nil {
		t.Errorf("the canary deployment is still there")
	}
	if s := f.deployment("a"); *s.Spec.Replicas != 4 || controllertest.Env(s.Spec.Template.Spec.Containers[0], "ML_MODEL_URI") != "s3://models/mnist/2" {
		t.Errorf("stable deployment after promotion: replicas %d, env %v", *s.Spec.Replicas, s.Spec.Template.Spec.Containers[0].Env)
	}
	if got := f.eventReasons(); !slices.Contains(got, EventSuccessfulDelete) {
		t.Errorf("events = %v, want %s", got, EventSuccessfulDelete)
	}
}

// TestTrainingJobSource waits for the job, then serves its output.
func TestTrainingJobSource(t *testing.T) {
	f := newFixture(t, makeModel("a").fromJob("train").obj(), job("train", mlv1alpha1.TrainingJobRunning, "s3://out/train"))
	f.sync()
	if w := f.writes(); len(w) != 1 || w[0] != "update models/status a" {
		t.Errorf("writes while the job runs = %v, want the status only", w)
	}
	m := f.model()
	cond := meta.FindStatusCondition(m.Status.Conditions, ConditionSourceResolved)
	if m.Status.Phase != mlv1alpha1.ModelPending || cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != ReasonTrainingJobNotSucceeded {
		t.Errorf("status while the job runs = %+v", m.Status)
	}

	j, _ := f.ML.MlV1alpha1().TrainingJobs("ns").Get(f.Ctx, "train", metav1.GetOptions{})
	j.Status.Phase = mlv1alpha1.TrainingJobSucceeded
	if _, err := f.ML.MlV1alpha1().TrainingJobs("ns").UpdateStatus(f.Ctx, j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The job's change reaches the model through the job informer.
	f.Observe()
	f.c.enqueueModelsOfJob(j)
	if f.c.queue.Len() != 1 {
		t.Errorf("models queued after the job changed: %d, want 1", f.c.queue.Len())
	}
	f.sync()
	d := f.deployment("a")
	if d == nil || controllertest.Env(d.Spec.Template.Spec.Containers[0], "ML_MODEL_URI") != "s3://out/train" {
		t.Fatalf("deployment after the job succeeded = %+v", d)
	}
	if m := f.model(); m.Status.ModelURI != "s3://out/train" || !meta.IsStatusConditionTrue(m.Status.Conditions, ConditionSourceResolved) {
		t.Errorf("status = %+v", m.Status)
	}
}

func TestNameTaken(t *testing.T) {
	f := newFixture(t, makeModel("a").obj())
	if _, err := f.Kube.CoreV1().Services("ns").Create(f.Ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: types.UID("theirs")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Observe()
	f.Kube.ClearActions()
	f.ML.ClearActions()
	if err := f.c.sync(f.Ctx, cache.ObjectName{Namespace: "ns", Name: "a"}); err == nil {
		t.Errorf("sync with the Service name taken succeeded")
	}
	m := f.model()
	if c := meta.FindStatusCondition(m.Status.Conditions, ConditionReady); m.Status.Phase != mlv1alpha1.ModelFailed || c == nil || c.Reason != ReasonNameTaken {
		t.Errorf("status = %+v", m.Status)
	}
}
