package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// jobTimeout bounds how long the bundled controller, the scheduler and
// kwok take to move a job along one step. The controller batches the
// changes of a job's pods for a second; the rest is usually faster.
const jobTimeout = time.Minute

// tjEnv is the clients of one TrainingJob test.
type tjEnv struct {
	ns      string
	kube    kubernetes.Interface
	ml      mlclientset.Interface
	kubectl framework.Kubectl
}

func newTJEnv(t *testing.T) tjEnv {
	t.Helper()
	return tjEnv{
		ns:      cluster.Namespace(t),
		kube:    framework.Kube(t, cluster.Config()),
		ml:      framework.ML(t, cluster.Config()),
		kubectl: cluster.Kubectl(t),
	}
}

func (e tjEnv) create(ctx context.Context, t *testing.T, job *mlv1alpha1.TrainingJob) *mlv1alpha1.TrainingJob {
	t.Helper()
	created, err := e.ml.MlV1alpha1().TrainingJobs(e.ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create TrainingJob %s: %v", job.Name, err)
	}
	return created
}

// waitRunning waits until the pods of the job are exactly names, Running
// and Ready, and the job reports them in phase Running.
func (e tjEnv) waitRunning(ctx context.Context, t *testing.T, name string, names ...string) []corev1.Pod {
	t.Helper()
	pods := framework.WaitJobPods(ctx, t, e.kube, e.ns, name, jobTimeout, "running", framework.PodsRunning(names...))
	n := int32(len(names))
	framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Running with its pods ready",
		func(j *mlv1alpha1.TrainingJob) (bool, string) {
			ok := j.Status.Phase == mlv1alpha1.TrainingJobRunning && j.Status.Replicas == n && j.Status.ReadyReplicas == n &&
				meta.IsStatusConditionTrue(j.Status.Conditions, "Running")
			return ok, framework.DescribeJobStatus(j)
		})
	return pods
}

// exitPods makes kwok end the named pods with code: the pod-exit Stage
// acts on the annotation.
func (e tjEnv) exitPods(t *testing.T, code int, message string, pods ...string) {
	t.Helper()
	args := []string{"-n", e.ns, "annotate", "pods"}
	args = append(args, pods...)
	args = append(args, fmt.Sprintf("%s=%d", framework.PodExitCodeAnnotation, code),
		fmt.Sprintf("%s=%s", framework.PodExitDelayAnnotation, "100ms"))
	if message != "" {
		args = append(args, framework.PodExitMessageAnnotation+"="+message)
	}
	e.kubectl.MustRun(t, args...)
}

// wantEvents checks that `kubectl describe trainingjob` lists events with
// each of reasons.
func (e tjEnv) wantEvents(ctx context.Context, t *testing.T, name string, reasons ...string) string {
	t.Helper()
	var out string
	err := wait.PollUntilContextTimeout(ctx, framework.PollInterval, shortTimeout, true, func(context.Context) (bool, error) {
		out = e.kubectl.MustRun(t, "-n", e.ns, "describe", "trainingjob", name)
		_, events, ok := strings.Cut(out, "\nEvents:")
		if !ok {
			return false, nil
		}
		for _, r := range reasons {
			if !strings.Contains(events, r) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("kubectl describe trainingjob %s does not show events %v:\n%s", name, reasons, out)
	}
	return out
}

func podNames(job string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", job, i)
	}
	return names
}

func uids(pods []corev1.Pod) map[string]types.UID {
	m := map[string]types.UID{}
	for _, p := range pods {
		m[p.Name] = p.UID
	}
	return m
}

// TestTrainingJob runs TrainingJobs through the bundled controller on the
// kwok nodes of the local cluster. The subtests run in parallel, each in a
// namespace of its own.
func TestTrainingJob(t *testing.T) {
	t.Run("PyTorchLifecycle", testPyTorchLifecycle)
	t.Run("FailedPodReplaced", testFailedPodReplaced)
	t.Run("BackoffLimitExceeded", testBackoffLimitExceeded)
	t.Run("DeadlineExceeded", testDeadlineExceeded)
	t.Run("SuspendResume", testSuspendResume)
	t.Run("ElasticScale", testElasticScale)
}

// testPyTorchLifecycle: a 4-replica PyTorch job gets 4 pods with the
// rendezvous environment and a headless Service; it runs when kwok runs
// the pods, succeeds when they all exit 0, `kubectl describe` shows what
// happened, and deleting it deletes its pods and Service.
func testPyTorchLifecycle(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "bert"
	job := e.create(ctx, t, mltesting.NewTrainingJob(name, e.ns).Framework(mlv1alpha1.FrameworkPyTorch).Replicas(4).Obj())

	pods := e.waitRunning(ctx, t, name, podNames(name, 4)...)
	master := fmt.Sprintf("%s-0.%s.%s.svc", name, name, e.ns)
	for i, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != job.UID || ref.Kind != "TrainingJob" || ref.APIVersion != "ml.example.io/v1alpha1" {
			t.Errorf("pod %s: controller reference %+v, want the TrainingJob %s", p.Name, ref, job.UID)
		}
		if p.Labels[mlv1alpha1.ReplicaIndexLabel] != fmt.Sprint(i) || p.Labels[mlv1alpha1.TrainingJobNameLabel] != name {
			t.Errorf("pod %s: labels %v", p.Name, p.Labels)
		}
		if p.Spec.Hostname != p.Name || p.Spec.Subdomain != name || p.Spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("pod %s: hostname %q subdomain %q restartPolicy %q, want %q %q Never",
				p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Spec.RestartPolicy, p.Name, name)
		}
		if p.Spec.Containers[0].Image != mltesting.TrainerImage {
			t.Errorf("pod %s: image %q", p.Name, p.Spec.Containers[0].Image)
		}
		env := framework.PodEnv(&p)
		want := map[string]string{
			"MASTER_ADDR": master, "MASTER_PORT": "29500", "WORLD_SIZE": "4",
			"RANK": fmt.Sprint(i), "LOCAL_RANK": "0",
			"PET_MASTER_ADDR": master, "PET_MASTER_PORT": "29500", "PET_NNODES": "4",
			"PET_NODE_RANK": fmt.Sprint(i), "PET_NPROC_PER_NODE": "1",
			"ML_JOB_NAME": name, "ML_REPLICA_INDEX": fmt.Sprint(i), "ML_REPLICAS": "4",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("pod %s: env %s=%q, want %q", p.Name, k, env[k], v)
			}
		}
		if !strings.HasSuffix(env["ML_METRICS_URL"], "/apis/ml.example.io/v1alpha1/namespaces/"+e.ns+"/trainingjobs/"+name+"/metrics") {
			t.Errorf("pod %s: ML_METRICS_URL=%q", p.Name, env["ML_METRICS_URL"])
		}
	}
	svc, err := e.kube.CoreV1().Services(e.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("headless Service: %v", err)
	}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses ||
		svc.Spec.Selector[mlv1alpha1.TrainingJobNameLabel] != name ||
		len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 29500 {
		t.Errorf("Service %s: clusterIP %q publishNotReadyAddresses %v selector %v ports %+v; want headless on 29500 selecting the job's pods",
			name, svc.Spec.ClusterIP, svc.Spec.PublishNotReadyAddresses, svc.Spec.Selector, svc.Spec.Ports)
	}
	if ref := metav1.GetControllerOf(svc); ref == nil || ref.UID != job.UID {
		t.Errorf("Service %s: controller reference %+v, want the TrainingJob", name, ref)
	}
	running := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "selector and start time", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.StartTime != nil && j.Status.Selector != "", framework.DescribeJobStatus(j)
	})
	if want := mlv1alpha1.TrainingJobNameLabel + "=" + name; running.Status.Selector != want {
		t.Errorf("status.selector = %q, want %q", running.Status.Selector, want)
	}

	e.exitPods(t, 0, "", podNames(name, 4)...)
	done := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Succeeded", framework.JobPhase(mlv1alpha1.TrainingJobSucceeded))
	if done.Status.CompletionTime == nil || done.Status.CompletionTime.Before(done.Status.StartTime) {
		t.Errorf("completionTime %v, want set and not before startTime %v", done.Status.CompletionTime, done.Status.StartTime)
	}
	if c := meta.FindStatusCondition(done.Status.Conditions, "Complete"); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Complete condition %+v, want True", c)
	}
	if done.Status.Succeeded != 4 || done.Status.Failed != 0 || done.Status.Restarts != 0 {
		t.Errorf("status %s, want 4 succeeded, no failure", framework.DescribeJobStatus(done))
	}
	if meta.IsStatusConditionTrue(done.Status.Conditions, "Running") {
		t.Errorf("Running condition still true after the end")
	}
	out := e.wantEvents(ctx, t, name, "SuccessfulCreate", "Completed")
	if !strings.Contains(out, "Created Service "+name+" and pods "+name+"-0") || !strings.Contains(out, "All 4 replicas succeeded") {
		t.Errorf("kubectl describe lacks the creation and completion events:\n%s", out)
	}
	for _, ev := range framework.JobEvents(ctx, t, e.kube, done) {
		if ev.Source.Component != mlv1alpha1.ControllerName || ev.InvolvedObject.Kind != "TrainingJob" {
			t.Errorf("event %s: source %+v involvedObject %+v", ev.Reason, ev.Source, ev.InvolvedObject)
		}
	}

	// Deleting the job deletes its pods and Service: the garbage collector
	// follows their controller references.
	e.kubectl.MustRun(t, "-n", e.ns, "delete", "trainingjob", name, "--wait=false")
	err = wait.PollUntilContextTimeout(ctx, framework.PollInterval, longTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := e.kube.CoreV1().Pods(e.ns).List(ctx, metav1.ListOptions{LabelSelector: mlv1alpha1.TrainingJobNameLabel + "=" + name})
		if err != nil {
			return false, nil
		}
		_, err = e.kube.CoreV1().Services(e.ns).Get(ctx, name, metav1.GetOptions{})
		return len(pods.Items) == 0 && apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("the pods and Service of the deleted job are still there after %v", longTimeout)
	}
}

// testFailedPodReplaced: a replica's pod that fails is counted, replaced
// by a new pod of the same name, and the job keeps running.
func testFailedPodReplaced(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "flaky"
	e.create(ctx, t, mltesting.NewTrainingJob(name, e.ns).Replicas(2).BackoffLimit(2).Obj())
	before := uids(e.waitRunning(ctx, t, name, podNames(name, 2)...))

	e.exitPods(t, 3, "CUDA out of memory", name+"-1")
	job := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "one restart", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.Restarts == 1, framework.DescribeJobStatus(j)
	})
	if job.Status.Failed != 1 || job.Status.Phase == mlv1alpha1.TrainingJobFailed {
		t.Errorf("after one failure: %s, want failed 1 and not Failed", framework.DescribeJobStatus(job))
	}
	after := uids(e.waitRunning(ctx, t, name, podNames(name, 2)...))
	if after[name+"-1"] == before[name+"-1"] {
		t.Errorf("pod %s-1 was not replaced (same UID %s)", name, after[name+"-1"])
	}
	if after[name+"-0"] != before[name+"-0"] {
		t.Errorf("pod %s-0 was replaced too", name)
	}
	job = framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "still running", framework.JobPhase(mlv1alpha1.TrainingJobRunning))
	if job.Status.Restarts != 1 || job.Status.Failed != 1 {
		t.Errorf("status %s, want 1 failure and 1 restart", framework.DescribeJobStatus(job))
	}
	out := e.wantEvents(ctx, t, name, "PodFailed", "SuccessfulDelete")
	if !strings.Contains(out, "exit code 3") || !strings.Contains(out, "CUDA out of memory") {
		t.Errorf("kubectl describe does not say how the pod failed:\n%s", out)
	}
}

// testBackoffLimitExceeded: a job whose every pod fails (podMetadata
// carries kwok's exit annotation) is replaced backoffLimit times, then
// fails with BackoffLimitExceeded.
func testBackoffLimitExceeded(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "doomed"
	job := mltesting.NewTrainingJob(name, e.ns).Replicas(1).BackoffLimit(2).Obj()
	job.Spec.PodMetadata = &mlv1alpha1.PodMetadata{Annotations: map[string]string{
		framework.PodExitCodeAnnotation:  "1",
		framework.PodExitDelayAnnotation: "500ms",
	}}
	e.create(ctx, t, job)
	done := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, 2*jobTimeout, "Failed", framework.JobPhase(mlv1alpha1.TrainingJobFailed))
	c := meta.FindStatusCondition(done.Status.Conditions, "Failed")
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != "BackoffLimitExceeded" {
		t.Errorf("Failed condition %+v, want True BackoffLimitExceeded", c)
	}
	if done.Status.Failed != 3 || done.Status.Restarts != 2 || done.Status.CompletionTime == nil {
		t.Errorf("status %s completionTime %v, want 3 failures, 2 restarts, a completion time", framework.DescribeJobStatus(done), done.Status.CompletionTime)
	}
	e.wantEvents(ctx, t, name, "PodFailed", "BackoffLimitExceeded")
	// Failed pods are not running: cleanPodPolicy Running keeps them, and
	// nothing replaces the last one.
	time.Sleep(2 * time.Second)
	if pods := framework.JobPods(ctx, t, e.kube, e.ns, name); len(pods) != 1 || pods[0].Status.Phase != corev1.PodFailed {
		t.Errorf("after the end: %d pods, want the last failed one only", len(pods))
	}
}

// testDeadlineExceeded: a running job past activeDeadlineSeconds fails
// with DeadlineExceeded and its running pods are deleted.
func testDeadlineExceeded(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "slow"
	job := mltesting.NewTrainingJob(name, e.ns).Replicas(2).Obj()
	job.Spec.ActiveDeadlineSeconds = ptr.To[int64](8)
	e.create(ctx, t, job)
	e.waitRunning(ctx, t, name, podNames(name, 2)...)
	done := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Failed", framework.JobPhase(mlv1alpha1.TrainingJobFailed))
	c := meta.FindStatusCondition(done.Status.Conditions, "Failed")
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != "DeadlineExceeded" {
		t.Fatalf("Failed condition %+v, want True DeadlineExceeded", c)
	}
	if d := done.Status.CompletionTime.Sub(done.Status.StartTime.Time); d < 8*time.Second {
		t.Errorf("failed %v after the start, before the 8s deadline", d)
	}
	framework.WaitJobPods(ctx, t, e.kube, e.ns, name, jobTimeout, "running pods deleted (cleanPodPolicy Running)",
		func(pods []corev1.Pod) (bool, string) { return len(pods) == 0, fmt.Sprintf("%d pods left", len(pods)) })
	e.wantEvents(ctx, t, name, "DeadlineExceeded")
}

// testSuspendResume: suspending a running job deletes its pods and sets
// the Suspended condition; resuming recreates them.
func testSuspendResume(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "pausable"
	e.create(ctx, t, mltesting.NewTrainingJob(name, e.ns).Replicas(2).Obj())
	before := uids(e.waitRunning(ctx, t, name, podNames(name, 2)...))

	e.kubectl.MustRun(t, "-n", e.ns, "patch", "trainingjob", name, "--type=merge", "-p", `{"spec":{"suspend":true}}`)
	framework.WaitJobPods(ctx, t, e.kube, e.ns, name, jobTimeout, "deleted on suspend",
		func(pods []corev1.Pod) (bool, string) { return len(pods) == 0, fmt.Sprintf("%d pods left", len(pods)) })
	job := framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "Suspended", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		return j.Status.Phase == mlv1alpha1.TrainingJobSuspended && meta.IsStatusConditionTrue(j.Status.Conditions, "Suspended") &&
			j.Status.Replicas == 0, framework.DescribeJobStatus(j)
	})
	if job.Status.StartTime != nil {
		t.Errorf("a suspended job keeps its startTime %v", job.Status.StartTime)
	}

	e.kubectl.MustRun(t, "-n", e.ns, "patch", "trainingjob", name, "--type=merge", "-p", `{"spec":{"suspend":false}}`)
	after := uids(e.waitRunning(ctx, t, name, podNames(name, 2)...))
	for n, uid := range after {
		if before[n] == uid {
			t.Errorf("pod %s has its UID from before the suspension", n)
		}
	}
	job = framework.WaitTrainingJob(ctx, t, e.ml, e.ns, name, jobTimeout, "resumed", func(j *mlv1alpha1.TrainingJob) (bool, string) {
		c := meta.FindStatusCondition(j.Status.Conditions, "Suspended")
		return c != nil && c.Status == metav1.ConditionFalse && j.Status.StartTime != nil, framework.DescribeJobStatus(j)
	})
	if job.Status.Restarts != 0 || job.Status.Failed != 0 {
		t.Errorf("suspend counted as failure: %s", framework.DescribeJobStatus(job))
	}
	e.wantEvents(ctx, t, name, "JobSuspended", "JobResumed", "SuccessfulDelete")
}

// testElasticScale: `kubectl scale` of an elastic job removes and adds the
// highest-index workers, and refuses counts outside spec.elastic with 422.
func testElasticScale(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	e := newTJEnv(t)
	const name = "elastic"
	job := mltesting.NewTrainingJob(name, e.ns).Framework(mlv1alpha1.FrameworkPyTorch).Replicas(4).Obj()
	job.Spec.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](2), MaxReplicas: ptr.To[int32](4)}
	e.create(ctx, t, job)
	before := uids(e.waitRunning(ctx, t, name, podNames(name, 4)...))

	e.kubectl.MustRun(t, "-n", e.ns, "scale", "trainingjobs/"+name, "--replicas=2")
	two := uids(e.waitRunning(ctx, t, name, podNames(name, 2)...))
	for _, n := range podNames(name, 2) {
		if two[n] != before[n] {
			t.Errorf("scaling down replaced %s", n)
		}
	}

	e.kubectl.MustRun(t, "-n", e.ns, "scale", "trainingjobs/"+name, "--replicas=3")
	pods := e.waitRunning(ctx, t, name, podNames(name, 3)...)
	three := uids(pods)
	for _, n := range podNames(name, 2) {
		if three[n] != before[n] {
			t.Errorf("scaling up replaced %s", n)
		}
	}
	if three[name+"-2"] == before[name+"-2"] {
		t.Errorf("%s-2 was not recreated", name)
	}
	if env := framework.PodEnv(&pods[2]); env["RANK"] != "2" || env["PET_NNODES"] != "2:4" || env["PET_RDZV_BACKEND"] != "c10d" {
		t.Errorf("the added worker's env: RANK=%q PET_NNODES=%q PET_RDZV_BACKEND=%q, want 2, 2:4, c10d",
			env["RANK"], env["PET_NNODES"], env["PET_RDZV_BACKEND"])
	}

	for _, n := range []int{1, 5} {
		r := e.kubectl.Run(t, "-n", e.ns, "scale", "trainingjobs/"+name, fmt.Sprintf("--replicas=%d", n))
		if r.Err == nil || !strings.Contains(r.Stderr, "spec.elastic.minReplicas (2)") || !strings.Contains(r.Stderr, "spec.elastic.maxReplicas (4)") {
			t.Errorf("kubectl scale --replicas=%d: err=%v stderr=%q, want a refusal naming the bounds 2 and 4", n, r.Err, r.Stderr)
		}
	}
	// The same through the scale subresource directly: 422 Invalid.
	scale, err := e.ml.MlV1alpha1().TrainingJobs(e.ns).GetScale(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get scale: %v", err)
	}
	scale.Spec.Replicas = 9
	_, err = e.ml.MlV1alpha1().TrainingJobs(e.ns).UpdateScale(ctx, name, scale, metav1.UpdateOptions{})
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Code != http.StatusUnprocessableEntity {
		t.Errorf("scale to 9: %v, want 422 Invalid", err)
	}
	if scale.Status.Selector != mlv1alpha1.TrainingJobNameLabel+"="+name {
		t.Errorf("scale status.selector %q", scale.Status.Selector)
	}
	if got := framework.JobPods(ctx, t, e.kube, e.ns, name); len(got) != 3 {
		t.Errorf("refused scales changed the pods: %d, want 3", len(got))
	}
	e.wantEvents(ctx, t, name, "scaled down to 2 replicas")
}
