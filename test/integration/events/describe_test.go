package events

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// typoJob is a TrainingJob whose command does not exist, so that its one
// replica fails to start and the job fails.
func typoJob(ns, name string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:     ptr.To[int32](1),
			BackoffLimit: ptr.To[int32](0),
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "python:3.12",
				Command: []string{"pyhton3", "train.py"},
			},
		},
	}
}

// TestDescribeShowsControllerEvents runs a TrainingJob that fails and
// reads the controller's events about it as a kubectl user does:
// `kubectl describe` shows them under Events, and `kubectl get events`
// selects them by involved object.
func TestDescribeShowsControllerEvents(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	if _, err := server.Clientset().MlV1alpha1().TrainingJobs(ns).Create(ctx, typoJob(ns, "typo"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(server.ClientConfig)
	var reasons []string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		events, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		reasons = reasons[:0]
		for _, e := range events.Items {
			reasons = append(reasons, e.Reason)
		}
		return strings.Contains(strings.Join(reasons, " "), "PodFailed"), nil
	})
	if err != nil {
		t.Fatalf("no PodFailed event about the job (events: %v): %v", reasons, err)
	}

	out := kubectl(t, server.Kubeconfig, "describe", "trainingjob", "typo", "-n", ns)
	_, events, found := strings.Cut(out, "\nEvents:")
	if !found {
		t.Fatalf("kubectl describe has no Events section:\n%s", out)
	}
	for _, want := range []string{"SuccessfulCreate", "PodFailed", mlv1alpha1.ControllerName} {
		if !strings.Contains(events, want) {
			t.Errorf("kubectl describe's Events lack %q:\n%s", want, events)
		}
	}

	out = kubectl(t, server.Kubeconfig, "get", "events", "-n", ns,
		"--field-selector", "involvedObject.name=typo,involvedObject.kind=TrainingJob,type="+corev1.EventTypeWarning)
	if !strings.Contains(out, "PodFailed") || !strings.Contains(out, "trainingjob/typo") {
		t.Errorf("kubectl get events --field-selector does not list the job's warning:\n%s", out)
	}
	if strings.Contains(out, "SuccessfulCreate") {
		t.Errorf("kubectl get events --field-selector type=Warning lists a Normal event:\n%s", out)
	}
	out = kubectl(t, server.Kubeconfig, "get", "events", "--all-namespaces", "--field-selector", "involvedObject.name=typo,reason=PodFailed")
	if !strings.Contains(out, ns) || !strings.Contains(out, "PodFailed") {
		t.Errorf("kubectl get events --all-namespaces does not list the job's warning:\n%s", out)
	}
	out = kubectl(t, server.Kubeconfig, "events", "-n", ns, "--for", "trainingjob/typo")
	if !strings.Contains(out, "PodFailed") {
		t.Errorf("kubectl events --for trainingjob/typo does not list the job's warning:\n%s", out)
	}
	out = kubectl(t, server.Kubeconfig, "get", "events", "-n", ns, "--field-selector", "involvedObject.name=other")
	if strings.Contains(out, "typo") {
		t.Errorf("kubectl get events --field-selector involvedObject.name=other lists the job's events:\n%s", out)
	}
}

// TestExplainEvents checks that kubectl finds Events in the server's
// OpenAPI, as it does the ml.example.io kinds.
func TestExplainEvents(t *testing.T) {
	out := kubectl(t, server.Kubeconfig, "explain", "events.involvedObject")
	if !strings.Contains(out, "KIND:") || !strings.Contains(out, "Event") || !strings.Contains(out, "uid") {
		t.Errorf("kubectl explain events.involvedObject:\n%s", out)
	}
	out = kubectl(t, server.Kubeconfig, "explain", "trainingjobs.spec")
	if !strings.Contains(out, "TrainingJob") {
		t.Errorf("kubectl explain trainingjobs.spec:\n%s", out)
	}
}
