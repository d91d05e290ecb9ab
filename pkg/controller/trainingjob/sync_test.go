package trainingjob

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// TestSyncLifecycle follows a job from creation through a replaced
// failure to success, cleanup and deletion at its TTL, checking at each
// sync what was written.
func TestSyncLifecycle(t *testing.T) {
	f := newFixture(t, makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).TTLSecondsAfterFinished(60).
		CleanPodPolicy(ml.CleanPodPolicyAll).V1alpha1())

	// Creation: the Service and both pods, and a pending status, at once.
	f.mustSync()
	if diff := cmp.Diff([]string{"create services a", "create pods a-0", "create pods a-1", "update trainingjobs/status a"}, f.writes()); diff != "" {
		t.Fatalf("writes (-want +got):\n%s", diff)
	}
	checkChildren(t, f)
	st := f.job().Status
	if st.Phase != mlv1alpha1.TrainingJobPending || st.Replicas != 2 || !st.StartTime.Equal(at(0)) || st.Selector != "ml.example.io/trainingjob=a" {
		t.Errorf("status after creation = %+v", st)
	}
	if got := f.events(); len(got) != 1 || got[0] != "Normal SuccessfulCreate Created Service a and pods a-0, a-1" {
		t.Errorf("events = %q", got)
	}

	// Nothing new: nothing written.
	f.mustSync()
	if w := f.writes(); len(w) != 0 {
		t.Errorf("a sync with nothing new wrote %q", w)
	}

	// Pods run: the job runs.
	f.setPod("a-0", corev1.PodRunning, true, 0)
	f.setPod("a-1", corev1.PodRunning, true, 0)
	f.mustSync()
	if st := f.job().Status; st.Phase != mlv1alpha1.TrainingJobRunning || st.ReadyReplicas != 2 || f.statusWrites() != 1 {
		t.Errorf("status after the pods run = %+v (%d writes)", st, f.statusWrites())
	}

	// a-1 fails: counted, kept until the count is stored.
	f.setPod("a-1", corev1.PodFailed, false, 1)
	f.mustSync()
	if st := f.job().Status; st.Failed != 1 || st.Restarts != 1 || st.Phase != mlv1alpha1.TrainingJobRunning {
		t.Errorf("status after a failure = %+v", st)
	}
	if diff := cmp.Diff([]string{"update trainingjobs/status a"}, f.writes()); diff != "" {
		t.Errorf("writes after a failure (-want +got):\n%s", diff)
	}
	if got := f.events(); len(got) != 1 || !strings.HasPrefix(got[0], "Warning PodFailed Pod a-1 failed: exit code 1") ||
		!strings.HasSuffix(got[0], "; replacing it in 10s (restart 1, backoffLimit 3)") {
		t.Errorf("events after a failure = %q, want a PodFailed warning with the cause and the back-off", got)
	}
	failedUID := string(f.pod("a-1").UID)

	// Next sync: the counted pod is deleted, and not counted again.
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0"}, f.podNames()); diff != "" {
		t.Errorf("pods after the replacement sync (-want +got):\n%s", diff)
	}
	if st := f.job().Status; st.Failed != 1 || st.Restarts != 1 || st.Replicas != 1 {
		t.Errorf("status after deleting the failed pod = %+v", st)
	}

	// Once it is gone: held back for the back-off after the failure
	// (10s after the first, as a Job's), the Running condition saying so.
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0"}, f.podNames()); diff != "" {
		t.Errorf("pods during the back-off (-want +got):\n%s", diff)
	}
	if c := meta.FindStatusCondition(f.job().Status.Conditions, ConditionRunning); c == nil ||
		!strings.Contains(c.Message, "replacing failed replicas in 10s (back-off 10s after 1 failures); last: replica a-1: exit code 1") {
		t.Errorf("Running condition during the back-off = %+v", c)
	}
	if lf := f.job().Status.LastFailure; lf == nil || lf.Replica != "a-1" || !lf.Time.Equal(at(0)) || ptr.Deref(lf.ExitCode, 0) != 1 {
		t.Errorf("lastFailure = %+v", lf)
	}
	f.step(9 * time.Second)
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0"}, f.podNames()); diff != "" {
		t.Errorf("pods a second before the back-off ends (-want +got):\n%s", diff)
	}
	// The sync asked to be run when the back-off ends: recreated, and
	// forgotten by the annotation.
	f.step(time.Second)
	waitForQueue(t, f, 1)
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0", "a-1"}, f.podNames()); diff != "" {
		t.Errorf("pods after the recreation (-want +got):\n%s", diff)
	}
	if _, ok := f.job().Annotations[mlv1alpha1.CountedFailuresAnnotation]; ok {
		t.Errorf("the counted failures were not forgotten: %v", f.job().Annotations)
	}
	if string(f.pod("a-1").UID) == failedUID && failedUID != "" {
		t.Errorf("a-1 was not replaced")
	}
	f.events()

	// Both succeed: the job succeeds.
	f.setPod("a-0", corev1.PodSucceeded, false, 0)
	f.setPod("a-1", corev1.PodSucceeded, false, 0)
	f.step(10 * time.Second)
	f.mustSync()
	job := f.job()
	if job.Status.Phase != mlv1alpha1.TrainingJobSucceeded || job.Status.Succeeded != 2 || !job.Status.CompletionTime.Equal(at(20*time.Second)) ||
		!meta.IsStatusConditionTrue(job.Status.Conditions, ConditionComplete) || !meta.IsStatusConditionTrue(job.Status.Conditions, ConditionSucceeded) {
		t.Errorf("status after success = %+v", job.Status)
	}
	if got := f.eventReasons(); !cmp.Equal(got, []string{EventCompleted}) {
		t.Errorf("events after success = %q", got)
	}
	if len(f.podNames()) != 2 {
		t.Errorf("pods were cleaned before the end was stored")
	}

	// The stored end: cleanPodPolicy All deletes the pods; the TTL waits.
	f.mustSync()
	if names := f.podNames(); len(names) != 0 {
		t.Errorf("pods after cleanup = %q", names)
	}
	if st := f.job().Status; st.Succeeded != 2 || st.Replicas != 0 || st.Phase != mlv1alpha1.TrainingJobSucceeded {
		t.Errorf("status after cleanup = %+v", st)
	}

	// At the TTL the job is deleted.
	f.step(59 * time.Second)
	f.mustSync()
	if f.job() == nil {
		t.Fatalf("the job was deleted a second before its TTL")
	}
	f.step(time.Second)
	f.mustSync()
	if f.job() != nil {
		t.Errorf("the job outlived its TTL")
	}
}

// checkChildren checks what every child of job a carries.
func checkChildren(t *testing.T, f *fixture) {
	t.Helper()
	ref := metav1.OwnerReference{
		APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Name: "a", UID: "uid-a",
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
	for _, a := range f.Kube.Actions() {
		create, ok := a.(clienttesting.CreateActionImpl)
		if !ok {
			continue
		}
		if create.CreateOptions.FieldManager != mlv1alpha1.ControllerName {
			t.Errorf("%s %s written with field manager %q", a.GetVerb(), a.GetResource().Resource, create.CreateOptions.FieldManager)
		}
		obj := create.Object.(metav1.Object)
		if diff := cmp.Diff([]metav1.OwnerReference{ref}, obj.GetOwnerReferences()); diff != "" {
			t.Errorf("owner references of %s (-want +got):\n%s", obj.GetName(), diff)
		}
		l := obj.GetLabels()
		if l[mlv1alpha1.TrainingJobNameLabel] != "a" || l[mlv1alpha1.ManagedByLabel] != mlv1alpha1.ControllerName {
			t.Errorf("labels of %s = %v", obj.GetName(), l)
		}
	}
	svc, err := f.Kube.CoreV1().Services("ns").Get(f.Ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses {
		t.Errorf("service a is not headless: %+v", svc.Spec)
	}
	pod := f.pod("a-1")
	if pod.Spec.Hostname != "a-1" || pod.Spec.Subdomain != "a" || pod.Labels[mlv1alpha1.ReplicaIndexLabel] != "1" {
		t.Errorf("pod a-1 cannot be reached as a-1.a: %+v", pod.Spec)
	}
	for _, a := range f.ML.Actions() {
		if u, ok := a.(clienttesting.UpdateActionImpl); ok && u.UpdateOptions.FieldManager != mlv1alpha1.ControllerName {
			t.Errorf("status written with field manager %q", u.UpdateOptions.FieldManager)
		}
	}
}

func TestSyncBackoffLimitExceeded(t *testing.T) {
	f := newFixture(t, makeJob("a").Replicas(2).BackoffLimit(1).V1alpha1())
	f.mustSync()
	f.setPod("a-0", corev1.PodRunning, true, 0)
	f.setPod("a-1", corev1.PodFailed, false, 1)
	f.mustSync() // failure 1 of 1 allowed
	f.mustSync() // deleted
	f.step(10 * time.Second)
	f.mustSync() // recreated after the back-off
	f.setPod("a-1", corev1.PodFailed, false, 1)
	f.mustSync() // failure 2: the job fails
	job := f.job()
	if job.Status.Phase != mlv1alpha1.TrainingJobFailed || failedReason(job) != ReasonBackoffLimitExceeded ||
		job.Status.Failed != 2 || job.Status.Restarts != 1 {
		t.Fatalf("status = %+v", job.Status)
	}
	// The condition says what failed last, and Succeeded is false.
	if c := meta.FindStatusCondition(job.Status.Conditions, ConditionFailed); !strings.HasPrefix(c.Message, "2 pod failures exceed the backoff limit of 1; last: replica a-1: exit code 1") {
		t.Errorf("Failed condition message %q", c.Message)
	}
	if c := meta.FindStatusCondition(job.Status.Conditions, ConditionSucceeded); c == nil || c.Status != metav1.ConditionFalse || c.Reason != ReasonBackoffLimitExceeded {
		t.Errorf("Succeeded condition %+v, want False with the reason of the failure", c)
	}
	// After the stored end, cleanPodPolicy Running deletes the running
	// pod and keeps the failed one for its logs; nothing is recreated.
	f.mustSync()
	if diff := cmp.Diff([]string{"a-1"}, f.podNames()); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	f.mustSync()
	if diff := cmp.Diff([]string{"a-1"}, f.podNames()); diff != "" {
		t.Errorf("pods after another sync (-want +got):\n%s", diff)
	}
}

func TestSyncDeadline(t *testing.T) {
	f := newFixture(t, makeJob("a").ActiveDeadlineSeconds(30).V1alpha1())
	f.mustSync()
	f.setPod("a-0", corev1.PodRunning, true, 0)
	f.mustSync()
	// The sync asked to be run at the deadline.
	f.step(30 * time.Second)
	waitForQueue(t, f, 1)
	f.mustSync()
	job := f.job()
	if job.Status.Phase != mlv1alpha1.TrainingJobFailed || failedReason(job) != ReasonDeadlineExceeded {
		t.Fatalf("status = %+v", job.Status)
	}
	f.mustSync()
	if names := f.podNames(); len(names) != 0 {
		t.Errorf("pods still running after the deadline: %q", names)
	}
}

// waitForQueue waits until the queue holds n keys: AddAfter fires on the
// fake clock from another goroutine.
func waitForQueue(t *testing.T, f *fixture, n int) {
	t.Helper()
	for range 200 {
		if f.c.queue.Len() == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("queue length %d, want %d", f.c.queue.Len(), n)
}

func TestSyncSuspendResume(t *testing.T) {
	f := newFixture(t, makeJob("a").Replicas(2).ActiveDeadlineSeconds(600).V1alpha1())
	f.mustSync()
	f.setPod("a-0", corev1.PodRunning, true, 0)
	f.setPod("a-1", corev1.PodRunning, true, 0)
	f.mustSync()

	f.events()
	f.update(func(j *mlv1alpha1.TrainingJob) { j.Spec.Suspend = true })
	f.mustSync()
	job := f.job()
	if names := f.podNames(); len(names) != 0 {
		t.Errorf("pods of a suspended job: %q", names)
	}
	if job.Status.Phase != mlv1alpha1.TrainingJobSuspended || job.Status.StartTime != nil || job.Status.Replicas != 0 ||
		!meta.IsStatusConditionTrue(job.Status.Conditions, ConditionSuspended) || job.Status.Failed != 0 {
		t.Errorf("status when suspended = %+v", job.Status)
	}
	if got := f.eventReasons(); !cmp.Equal(got, []string{EventSuccessfulDelete, ReasonSuspended}, cmpopts.SortSlices(func(a, b string) bool { return a < b })) {
		t.Errorf("events when suspended = %q", got)
	}

	f.step(time.Hour) // suspended time does not count toward the deadline
	f.update(func(j *mlv1alpha1.TrainingJob) { j.Spec.Suspend = false })
	f.mustSync()
	job = f.job()
	if diff := cmp.Diff([]string{"a-0", "a-1"}, f.podNames()); diff != "" {
		t.Errorf("pods after resuming (-want +got):\n%s", diff)
	}
	c := meta.FindStatusCondition(job.Status.Conditions, ConditionSuspended)
	if job.Status.Phase != mlv1alpha1.TrainingJobPending || !job.Status.StartTime.Equal(at(time.Hour)) ||
		c == nil || c.Status != metav1.ConditionFalse || c.Reason != ReasonResumed {
		t.Errorf("status after resuming = %+v", job.Status)
	}
}

func TestSyncElasticScale(t *testing.T) {
	f := newFixture(t, makeJob("a").Replicas(4).Elastic(1, 4).V1alpha1())
	f.mustSync()
	for _, p := range f.podNames() {
		f.setPod(p, corev1.PodRunning, true, 0)
	}
	f.mustSync()

	f.update(func(j *mlv1alpha1.TrainingJob) { j.Spec.Replicas = ptr.To[int32](2) })
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0", "a-1"}, f.podNames()); diff != "" {
		t.Errorf("pods after scaling to 2 (-want +got):\n%s", diff)
	}
	if st := f.job().Status; st.Replicas != 2 || st.ReadyReplicas != 2 || st.Failed != 0 || st.ObservedGeneration != 2 {
		t.Errorf("status after scaling to 2 = %+v", st)
	}

	f.update(func(j *mlv1alpha1.TrainingJob) { j.Spec.Replicas = ptr.To[int32](3) })
	f.mustSync()
	if diff := cmp.Diff([]string{"a-0", "a-1", "a-2"}, f.podNames()); diff != "" {
		t.Errorf("pods after scaling to 3 (-want +got):\n%s", diff)
	}
	env := map[string]string{}
	for _, e := range f.pod("a-2").Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["ML_REPLICAS"] != "3" || env["ML_REPLICA_INDEX"] != "2" {
		t.Errorf("env of the added pod = %v", env)
	}
}

// TestSyncStatusWriteFails checks that the events of a sync are emitted
// only once its status is stored, and that the failed write is retried.
func TestSyncStatusWriteFails(t *testing.T) {
	f := newFixture(t, makeJob("a").V1alpha1())
	f.mustSync()
	f.setPod("a-0", corev1.PodSucceeded, false, 0)
	f.events()
	conflict := apierrors.NewConflict(schema.GroupResource{Group: "ml.example.io", Resource: "trainingjobs"}, "a", errors.New("changed"))
	f.ML.PrependReactor("update", "trainingjobs", func(a clienttesting.Action) (bool, runtime.Object, error) {
		return a.GetSubresource() == "status", nil, conflict
	})
	err := f.sync()
	if !apierrors.IsConflict(err) {
		t.Fatalf("sync error = %v, want the conflict", err)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events of an unstored status: %q", got)
	}
	if f.job().Status.Phase == mlv1alpha1.TrainingJobSucceeded {
		t.Errorf("status written despite the conflict")
	}
}

func TestSyncPodNameTaken(t *testing.T) {
	f := newFixture(t, makeJob("a").V1alpha1())
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a-0", Namespace: "ns",
		Labels: map[string]string{mlv1alpha1.TrainingJobNameLabel: "a"}}}
	if _, err := f.Kube.CoreV1().Pods("ns").Create(f.Ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := f.sync()
	if !errors.Is(err, workload.ErrNotOwned) {
		t.Errorf("sync error = %v, want %v", err, workload.ErrNotOwned)
	}
	if got := f.eventReasons(); !cmp.Equal(got, []string{EventFailedCreate, EventSuccessfulCreate}) {
		t.Errorf("events = %q", got)
	}
	if st := f.job().Status; st.Replicas != 0 || st.Phase != mlv1alpha1.TrainingJobPending {
		t.Errorf("status = %+v; the pod of another owner must not count", st)
	}
}

func TestSyncGoneJob(t *testing.T) {
	f := newFixture(t)
	if err := f.sync(); err != nil {
		t.Errorf("sync of a job that is gone: %v", err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes for a job that is gone: %q", w)
	}
}
