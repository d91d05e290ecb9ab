package trainingjob_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2/ktesting"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/controllertest"
	"ml.example.io/ml-apiserver/pkg/controller/trainingjob"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestAgainstAPIServer runs the controller, with its informers, against a
// real ml-apiserver (standalone, in-process) for the jobs and a fake
// kube-apiserver for the pods: the status the controller writes must pass
// the server's status strategy and validation, and the counted failures
// must survive the round trip through the status subresource.
func TestAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	server := framework.StartTestServer(t)
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := framework.NewNamespace(t)
	ml := server.Clientset()
	kube := controllertest.NewKubeClientset()
	startController(ctx, t, ml, kube)

	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework:     mlv1alpha1.FrameworkPyTorch,
			Replicas:      ptr.To[int32](2),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "trainer:1"},
		},
	}
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := kube.CoreV1().Pods(ns)
	waitJob(ctx, t, ml, ns, "pending with 2 replicas", func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobPending && j.Status.Replicas == 2 &&
			j.Status.Selector == "ml.example.io/trainingjob=a" && j.Status.ObservedGeneration == 1
	})

	setPod(ctx, t, pods, "a-0", corev1.PodRunning, 0)
	setPod(ctx, t, pods, "a-1", corev1.PodRunning, 0)
	waitJob(ctx, t, ml, ns, "running with 2 ready replicas", func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobRunning && j.Status.ReadyReplicas == 2
	})

	failed := setPod(ctx, t, pods, "a-1", corev1.PodFailed, 1)
	waitJob(ctx, t, ml, ns, "one failure counted and forgotten once replaced", func(j *mlv1alpha1.TrainingJob) bool {
		_, counting := j.Annotations[mlv1alpha1.CountedFailuresAnnotation]
		return j.Status.Failed == 1 && j.Status.Restarts == 1 && j.Status.Replicas == 2 && !counting
	})
	if p, err := pods.Get(ctx, "a-1", metav1.GetOptions{}); err != nil || p.UID == failed.UID {
		t.Fatalf("a-1 was not replaced: %v", err)
	}

	setPod(ctx, t, pods, "a-0", corev1.PodSucceeded, 0)
	setPod(ctx, t, pods, "a-1", corev1.PodSucceeded, 0)
	j := waitJob(ctx, t, ml, ns, "succeeded", func(j *mlv1alpha1.TrainingJob) bool {
		return j.Status.Phase == mlv1alpha1.TrainingJobSucceeded
	})
	if !meta.IsStatusConditionTrue(j.Status.Conditions, trainingjob.ConditionComplete) || j.Status.CompletionTime == nil ||
		j.Status.Succeeded != 2 || j.Status.Failed != 1 {
		t.Errorf("status of the succeeded job = %+v", j.Status)
	}
}

func startController(ctx context.Context, t *testing.T, ml mlclientset.Interface, kube *kubefake.Clientset) {
	kubeInf := informers.NewSharedInformerFactory(kube, 0)
	mlInf := mlinformers.NewSharedInformerFactory(ml, 0)
	c, err := trainingjob.New(trainingjob.Config{
		Client: ml,
		Jobs:   mlInf.Ml().V1alpha1().TrainingJobs(),
		Runtime: workloadkubernetes.New(workloadkubernetes.Config{
			Client:       kube,
			Pods:         kubeInf.Core().V1().Pods(),
			Services:     kubeInf.Core().V1().Services(),
			FieldManager: mlv1alpha1.ControllerName,
		}),
		Recorder:         record.NewFakeRecorder(1000),
		Clock:            clock.RealClock{},
		ChildBatchPeriod: 50 * time.Millisecond,
		FieldManager:     mlv1alpha1.ControllerName,
	})
	if err != nil {
		t.Fatal(err)
	}
	kubeInf.Start(ctx.Done())
	mlInf.Start(ctx.Done())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, 2)
	}()
	t.Cleanup(func() { <-done })
}

// setPod sets a pod's phase as a kubelet would, once the controller made it.
func setPod(ctx context.Context, t *testing.T, pods interface {
	Get(context.Context, string, metav1.GetOptions) (*corev1.Pod, error)
	UpdateStatus(context.Context, *corev1.Pod, metav1.UpdateOptions) (*corev1.Pod, error)
}, name string, phase corev1.PodPhase, exitCode int32) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		p.Status.Phase = phase
		ready := corev1.ConditionFalse
		if phase == corev1.PodRunning {
			ready = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}
		if phase == corev1.PodFailed || phase == corev1.PodSucceeded {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: trainingjob.ContainerName,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exitCode}}}}
		}
		pod, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("set pod %s %s: %v", name, phase, err)
	}
	return pod
}

func waitJob(ctx context.Context, t *testing.T, ml mlclientset.Interface, ns, what string, cond func(*mlv1alpha1.TrainingJob) bool) *mlv1alpha1.TrainingJob {
	t.Helper()
	var job *mlv1alpha1.TrainingJob
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, wait.ForeverTestTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		job, err = ml.MlV1alpha1().TrainingJobs(ns).Get(ctx, "a", metav1.GetOptions{})
		return err == nil && cond(job), nil
	})
	if err != nil {
		t.Fatalf("job not %s: last status %+v, annotations %v", what, job.Status, job.Annotations)
	}
	return job
}
