package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// servingTimeout bounds one step of a Model or Notebook: the controller,
// kube-controller-manager's Deployment, StatefulSet and volume controllers,
// the scheduler and kwok each react within seconds.
const servingTimeout = 90 * time.Second

// servingEnv is the clients of one Model or Notebook test.
type servingEnv struct {
	ns      string
	kube    kubernetes.Interface
	ml      mlclientset.Interface
	kubectl framework.Kubectl
}

func newServingEnv(t *testing.T) servingEnv {
	t.Helper()
	return servingEnv{
		ns:      cluster.Namespace(t),
		kube:    framework.Kube(t, cluster.Config()),
		ml:      framework.ML(t, cluster.Config()),
		kubectl: cluster.Kubectl(t),
	}
}

// modelObj is a Model serving uri with replicas pods.
func modelObj(name, uri string, replicas int32) *mlv1alpha1.Model {
	return &mlv1alpha1.Model{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mlv1alpha1.ModelSpec{
			Source:   mlv1alpha1.ModelSource{URI: uri},
			Format:   "onnx",
			Runtime:  mlv1alpha1.ModelRuntime{Image: "ghcr.io/example/onnx-server:1", Port: 8080},
			Replicas: ptr.To(replicas),
		},
	}
}

// waitModel polls the model until cond holds and returns it.
func (e servingEnv) waitModel(ctx context.Context, t *testing.T, name, what string, cond func(*mlv1alpha1.Model) bool) *mlv1alpha1.Model {
	t.Helper()
	var m *mlv1alpha1.Model
	eventually(t, servingTimeout, fmt.Sprintf("Model %s: %s", name, what), func() (bool, string) {
		got, err := e.ml.MlV1alpha1().Models(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		m = got
		return cond(got), describeModel(got)
	})
	return m
}

func describeModel(m *mlv1alpha1.Model) string {
	st := m.Status
	var conds []string
	for _, c := range st.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s/%s (%s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return fmt.Sprintf("spec.replicas=%d phase=%s replicas=%d ready=%d canary=%d url=%q conditions=%v",
		ptr.Deref(m.Spec.Replicas, 0), st.Phase, st.Replicas, st.ReadyReplicas, st.CanaryReplicas, st.URL, conds)
}

// modelReady is a Model Ready with ready pods of every replica.
func modelReady(replicas int32) func(*mlv1alpha1.Model) bool {
	return func(m *mlv1alpha1.Model) bool {
		return m.Status.Phase == mlv1alpha1.ModelReady && meta.IsStatusConditionTrue(m.Status.Conditions, model.ConditionReady) &&
			m.Status.ReadyReplicas == replicas && m.Status.ObservedGeneration == m.Generation
	}
}

// waitDeploymentReplicas waits until the Deployment name asks for
// replicas pods, and returns it.
func (e servingEnv) waitDeploymentReplicas(ctx context.Context, t *testing.T, name string, replicas int32) {
	t.Helper()
	eventually(t, servingTimeout, fmt.Sprintf("Deployment %s at %d replicas", name, replicas), func() (bool, string) {
		d, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return ptr.Deref(d.Spec.Replicas, 1) == replicas && d.Status.ReadyReplicas == replicas,
			fmt.Sprintf("spec.replicas=%d ready=%d", ptr.Deref(d.Spec.Replicas, 1), d.Status.ReadyReplicas)
	})
}

// waitGone waits until get reports the object not found.
func waitGone(t *testing.T, what string, get func() error) {
	t.Helper()
	eventually(t, servingTimeout, what+" deleted", func() (bool, string) {
		err := get()
		return apierrors.IsNotFound(err), fmt.Sprintf("get: %v", err)
	})
}

// TestModel serves a Model: its Deployment's pods become ready (kwok),
// the Model becomes Ready; `kubectl scale` changes the Deployment; a
// canary splits the replicas; `kubectl describe` shows the events;
// deleting the Model deletes its children.
func TestModel(t *testing.T) {
	ctx := testContext(t, 5*servingTimeout)
	e := newServingEnv(t)
	created, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, modelObj("mnist", "s3://models/mnist/1", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create Model: %v", err)
	}
	m := e.waitModel(ctx, t, "mnist", "Ready", modelReady(1))
	wantURL := fmt.Sprintf("http://mnist.%s.svc:8080", e.ns)
	if m.Status.URL != wantURL || m.Status.Selector != "ml.example.io/model=mnist" || m.Status.ModelURI != "s3://models/mnist/1" {
		t.Errorf("status = %s, want url %s", describeModel(m), wantURL)
	}

	d, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, "mnist", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(d); ref == nil || ref.UID != created.UID || ref.Kind != "Model" {
		t.Errorf("deployment's controller = %+v, want the Model", ref)
	}
	if got := containerEnv(d.Spec.Template.Spec.Containers[0])["ML_MODEL_URI"]; got != "s3://models/mnist/1" {
		t.Errorf("ML_MODEL_URI = %q", got)
	}
	svc, err := e.kube.CoreV1().Services(e.ns).Get(ctx, "mnist", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := e.modelPods(ctx, t, svc.Spec.Selector)
	if len(pods) != 1 {
		t.Errorf("the Service selects %d pods, want 1", len(pods))
	}

	// kubectl scale goes through the scale subresource.
	e.kubectl.MustRun(t, "-n", e.ns, "scale", "models/mnist", "--replicas=3")
	e.waitDeploymentReplicas(ctx, t, "mnist", 3)
	e.waitModel(ctx, t, "mnist", "Ready with 3 replicas", modelReady(3))
	if out := e.kubectl.MustRun(t, "-n", e.ns, "get", "--raw", fmt.Sprintf("/apis/ml.example.io/v1alpha1/namespaces/%s/models/mnist/scale", e.ns)); !strings.Contains(out, `"replicas":3`) {
		t.Errorf("scale = %s", out)
	}

	// A canary of 34% of 3 replicas: round(1.02) = 1 canary, 2 stable.
	e.kubectl.MustRun(t, "-n", e.ns, "patch", "models/mnist", "--type=merge", "-p",
		`{"spec":{"canary":{"source":{"uri":"s3://models/mnist/2"},"trafficPercent":34}}}`)
	e.waitDeploymentReplicas(ctx, t, "mnist", 2)
	e.waitDeploymentReplicas(ctx, t, "mnist-canary", 1)
	e.waitModel(ctx, t, "mnist", "Ready with a canary", func(m *mlv1alpha1.Model) bool {
		return modelReady(3)(m) && m.Status.CanaryReplicas == 1 && m.Status.Replicas == 3
	})
	canary, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, "mnist-canary", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := containerEnv(canary.Spec.Template.Spec.Containers[0])["ML_MODEL_URI"]; got != "s3://models/mnist/2" {
		t.Errorf("canary ML_MODEL_URI = %q", got)
	}
	// Both tracks are behind the one Service: 2 stable and 1 canary pod.
	tracks := map[string]int{}
	for _, p := range e.modelPods(ctx, t, svc.Spec.Selector) {
		tracks[p.Labels[model.TrackLabel]]++
	}
	if tracks[model.TrackStable] != 2 || tracks[model.TrackCanary] != 1 {
		t.Errorf("pods behind the Service by track = %v, want 2 stable and 1 canary", tracks)
	}

	out := e.kubectl.MustRun(t, "-n", e.ns, "describe", "models/mnist")
	for _, want := range []string{model.EventSuccessfulCreate, model.EventScaled, model.EventReady, "Created Deployment mnist-canary"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl describe does not show %q:\n%s", want, out)
		}
	}

	// Deleting the Model deletes its Deployments and Service.
	if err := e.ml.MlV1alpha1().Models(e.ns).Delete(ctx, "mnist", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mnist", "mnist-canary"} {
		waitGone(t, "Deployment "+name, func() error {
			_, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, name, metav1.GetOptions{})
			return err
		})
	}
	waitGone(t, "Service mnist", func() error {
		_, err := e.kube.CoreV1().Services(e.ns).Get(ctx, "mnist", metav1.GetOptions{})
		return err
	})
}

// TestModelFromTrainingJob serves the output of a TrainingJob: the Model
// waits while the job runs and serves spec.outputURI once it succeeded.
func TestModelFromTrainingJob(t *testing.T) {
	ctx := testContext(t, 4*servingTimeout)
	e := newServingEnv(t)
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: "train"},
		Spec: mlv1alpha1.TrainingJobSpec{
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "trainer:1", Command: []string{"python", "train.py"}},
			OutputURI:     "s3://out/train-1",
		},
	}
	if _, err := e.ml.MlV1alpha1().TrainingJobs(e.ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create TrainingJob: %v", err)
	}
	mdl := modelObj("served", "", 1)
	mdl.Spec.Source = mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: "train"}}
	if _, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, mdl, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Model: %v", err)
	}
	e.waitModel(ctx, t, "served", "waiting for the job", func(m *mlv1alpha1.Model) bool {
		c := meta.FindStatusCondition(m.Status.Conditions, model.ConditionSourceResolved)
		return m.Status.Phase == mlv1alpha1.ModelPending && c != nil && c.Status == metav1.ConditionFalse
	})
	if _, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, "served", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a Deployment exists while the job has not succeeded: %v", err)
	}

	// kwok ends the job's pod with exit code 0.
	eventually(t, servingTimeout, "the job's pod running", func() (bool, string) {
		p, err := e.kube.CoreV1().Pods(e.ns).Get(ctx, "train-0", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning, string(p.Status.Phase)
	})
	e.kubectl.MustRun(t, "-n", e.ns, "annotate", "pods", "train-0", framework.PodExitCodeAnnotation+"=0")
	m := e.waitModel(ctx, t, "served", "Ready from the job's output", modelReady(1))
	if m.Status.ModelURI != "s3://out/train-1" {
		t.Errorf("status.modelURI = %q, want the job's outputURI", m.Status.ModelURI)
	}
	d, err := e.kube.AppsV1().Deployments(e.ns).Get(ctx, "served", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := containerEnv(d.Spec.Template.Spec.Containers[0])["ML_MODEL_URI"]; got != "s3://out/train-1" {
		t.Errorf("ML_MODEL_URI = %q, want the job's outputURI", got)
	}
}

// TestModelHPA points a HorizontalPodAutoscaler at a Model: the HPA's
// scale client reads the Model's scale subresource and writes it, raising
// the replicas to minReplicas, which the controller carries to the
// Deployment.
func TestModelHPA(t *testing.T) {
	ctx := testContext(t, 4*servingTimeout)
	e := newServingEnv(t)
	if _, err := e.ml.MlV1alpha1().Models(e.ns).Create(ctx, modelObj("scaled", "s3://models/scaled/1", 1), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Model: %v", err)
	}
	e.waitModel(ctx, t, "scaled", "Ready", modelReady(1))

	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "scaled"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "ml.example.io/v1alpha1", Kind: "Model", Name: "scaled"},
			MinReplicas:    ptr.To[int32](2),
			MaxReplicas:    4,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)},
				},
			}},
		},
	}
	if _, err := e.kube.AutoscalingV2().HorizontalPodAutoscalers(e.ns).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create HPA: %v", err)
	}
	// The HPA controller syncs every 15s.
	eventually(t, servingTimeout, "the HPA able to scale the Model", func() (bool, string) {
		got, err := e.kube.AutoscalingV2().HorizontalPodAutoscalers(e.ns).Get(ctx, "scaled", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range got.Status.Conditions {
			if c.Type == autoscalingv2.AbleToScale && c.Status == corev1.ConditionTrue && got.Status.DesiredReplicas == 2 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("status %+v", got.Status)
	})
	m := e.waitModel(ctx, t, "scaled", "scaled to minReplicas by the HPA", modelReady(2))
	if ptr.Deref(m.Spec.Replicas, 0) != 2 {
		t.Errorf("spec.replicas = %d, want 2", ptr.Deref(m.Spec.Replicas, 0))
	}
	e.waitDeploymentReplicas(ctx, t, "scaled", 2)
}

// modelPods lists the pods selector selects.
func (e servingEnv) modelPods(ctx context.Context, t *testing.T, selector map[string]string) []corev1.Pod {
	t.Helper()
	list, err := e.kube.CoreV1().Pods(e.ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector).String()})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// containerEnv is a container's plain environment variables.
func containerEnv(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, v := range c.Env {
		env[v.Name] = v.Value
	}
	return env
}
