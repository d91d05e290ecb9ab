package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/notebook"
)

// workspacePV makes a hostPath PersistentVolume bound in advance to the
// workspace claim of notebook name: the local cluster has no storage
// provisioner, and the scheduler places the notebook's pod only once its
// claim is bound. The PV is deleted when the test ends.
func (e servingEnv) workspacePV(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: e.ns + "-" + name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: apiresource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "",
			ClaimRef:                      &corev1.ObjectReference{Namespace: e.ns, Name: notebook.WorkspaceClaimName(name)},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/ml-e2e/" + e.ns + "/" + name},
			},
		},
	}
	if _, err := e.kube.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PersistentVolume: %v", err)
	}
	t.Cleanup(func() {
		if err := e.kube.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{}); err != nil {
			t.Logf("delete PersistentVolume %s: %v", pv.Name, err)
		}
	})
}

// waitNotebook polls the notebook until cond holds and returns it.
func (e servingEnv) waitNotebook(ctx context.Context, t *testing.T, name, what string, cond func(*mlv1alpha1.Notebook) bool) *mlv1alpha1.Notebook {
	t.Helper()
	var nb *mlv1alpha1.Notebook
	eventually(t, servingTimeout, fmt.Sprintf("Notebook %s: %s", name, what), func() (bool, string) {
		got, err := e.ml.MlV1alpha1().Notebooks(e.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		nb = got
		var conds []string
		for _, c := range got.Status.Conditions {
			conds = append(conds, fmt.Sprintf("%s=%s/%s (%s)", c.Type, c.Status, c.Reason, c.Message))
		}
		return cond(got), fmt.Sprintf("stopped=%v replicas=%d phase=%s ready=%d conditions=%v",
			got.Spec.Stopped, ptr.Deref(got.Spec.Replicas, 1), got.Status.Phase, got.Status.ReadyReplicas, conds)
	})
	return nb
}

// notebookRunning is a Running notebook whose pod is ready.
func notebookRunning(nb *mlv1alpha1.Notebook) bool {
	return nb.Status.Phase == mlv1alpha1.NotebookRunning && nb.Status.ReadyReplicas == 1 &&
		meta.IsStatusConditionTrue(nb.Status.Conditions, notebook.ConditionReady) && nb.Status.ObservedGeneration == nb.Generation
}

// notebookStopped is a Stopped notebook without a pod.
func notebookStopped(nb *mlv1alpha1.Notebook) bool {
	return nb.Status.Phase == mlv1alpha1.NotebookStopped && nb.Status.Replicas == 0 && nb.Status.ObservedGeneration == nb.Generation
}

// workspaceUID returns the UID of the bound workspace claim of name.
func (e servingEnv) workspaceUID(ctx context.Context, t *testing.T, name string) types.UID {
	t.Helper()
	var uid types.UID
	eventually(t, servingTimeout, "the workspace claim bound", func() (bool, string) {
		c, err := e.kube.CoreV1().PersistentVolumeClaims(e.ns).Get(ctx, notebook.WorkspaceClaimName(name), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		uid = c.UID
		return c.Status.Phase == corev1.ClaimBound && c.DeletionTimestamp == nil, string(c.Status.Phase)
	})
	return uid
}

// waitNoPod waits until the notebook's pod is gone.
func (e servingEnv) waitNoPod(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	eventually(t, servingTimeout, "the notebook's pod gone", func() (bool, string) {
		pods, err := e.kube.CoreV1().Pods(e.ns).List(ctx, metav1.ListOptions{LabelSelector: notebook.Selector(name).String()})
		if err != nil {
			return false, err.Error()
		}
		return len(pods.Items) == 0, fmt.Sprintf("%d pods", len(pods.Items))
	})
}

// TestNotebook runs a Notebook, stops and starts it with `kubectl scale`
// and with spec.stopped keeping its workspace claim, and deletes it with
// its StatefulSet, Service and claim.
func TestNotebook(t *testing.T) {
	ctx := testContext(t, 8*servingTimeout)
	e := newServingEnv(t)
	e.workspacePV(ctx, t, "lab")
	nb := &mlv1alpha1.Notebook{
		ObjectMeta: metav1.ObjectMeta{Name: "lab"},
		Spec: mlv1alpha1.NotebookSpec{
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "quay.io/jupyter/scipy-notebook:2026-01-01"},
			Workspace:     &mlv1alpha1.WorkspaceSpec{VolumeSize: ptr.To(apiresource.MustParse("1Gi"))},
		},
	}
	created, err := e.ml.MlV1alpha1().Notebooks(e.ns).Create(ctx, nb, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create Notebook: %v", err)
	}
	got := e.waitNotebook(ctx, t, "lab", "Running", notebookRunning)
	if want := fmt.Sprintf("http://lab.%s.svc:8888", e.ns); got.Status.URL != want || got.Status.Selector != "ml.example.io/notebook=lab" {
		t.Errorf("url %q selector %q; want %q", got.Status.URL, got.Status.Selector, want)
	}
	claimUID := e.workspaceUID(ctx, t, "lab")
	for _, child := range []metav1.Object{
		must(e.kube.AppsV1().StatefulSets(e.ns).Get(ctx, "lab", metav1.GetOptions{})),
		must(e.kube.CoreV1().Services(e.ns).Get(ctx, "lab", metav1.GetOptions{})),
		must(e.kube.CoreV1().PersistentVolumeClaims(e.ns).Get(ctx, "lab-workspace", metav1.GetOptions{})),
	} {
		if ref := metav1.GetControllerOf(child); ref == nil || ref.UID != created.UID {
			t.Errorf("%s: controller %+v, want the Notebook", child.GetName(), ref)
		}
	}
	pod, err := e.kube.CoreV1().Pods(e.ns).Get(ctx, "lab-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := pod.Spec.Volumes[0]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "lab-workspace" {
		t.Errorf("the pod's volumes = %+v", pod.Spec.Volumes)
	}

	stopStart := []struct {
		how         string
		stop, start []string
	}{
		{"kubectl scale", []string{"scale", "notebooks/lab", "--replicas=0"}, []string{"scale", "notebooks/lab", "--replicas=1"}},
		{"spec.stopped", []string{"patch", "notebooks/lab", "--type=merge", "-p", `{"spec":{"stopped":true}}`},
			[]string{"patch", "notebooks/lab", "--type=merge", "-p", `{"spec":{"stopped":false}}`}},
	}
	for _, ss := range stopStart {
		e.kubectl.MustRun(t, append([]string{"-n", e.ns}, ss.stop...)...)
		e.waitNotebook(ctx, t, "lab", "Stopped with "+ss.how, notebookStopped)
		e.waitNoPod(ctx, t, "lab")
		if uid := e.workspaceUID(ctx, t, "lab"); uid != claimUID {
			t.Errorf("%s: the workspace claim changed while stopped: %s, was %s", ss.how, uid, claimUID)
		}
		e.kubectl.MustRun(t, append([]string{"-n", e.ns}, ss.start...)...)
		e.waitNotebook(ctx, t, "lab", "Running again with "+ss.how, notebookRunning)
		if uid := e.workspaceUID(ctx, t, "lab"); uid != claimUID {
			t.Errorf("%s: started on another workspace claim: %s, was %s", ss.how, uid, claimUID)
		}
	}

	// A notebook runs one pod or none.
	if r := e.kubectl.Run(t, "-n", e.ns, "scale", "notebooks/lab", "--replicas=2"); r.Err == nil || !strings.Contains(r.Stderr, "replicas") {
		t.Errorf("kubectl scale --replicas=2 = %v, stderr %q; want refused", r.Err, r.Stderr)
	}

	out := e.kubectl.MustRun(t, "-n", e.ns, "describe", "notebooks/lab")
	for _, want := range []string{notebook.EventSuccessfulCreate, notebook.EventStopped, notebook.EventStarted, "the workspace lab-workspace is kept"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl describe does not show %q:\n%s", want, out)
		}
	}

	if err := e.ml.MlV1alpha1().Notebooks(e.ns).Delete(ctx, "lab", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, "StatefulSet lab", func() error {
		_, err := e.kube.AppsV1().StatefulSets(e.ns).Get(ctx, "lab", metav1.GetOptions{})
		return err
	})
	waitGone(t, "Service lab", func() error {
		_, err := e.kube.CoreV1().Services(e.ns).Get(ctx, "lab", metav1.GetOptions{})
		return err
	})
	waitGone(t, "PersistentVolumeClaim lab-workspace", func() error {
		_, err := e.kube.CoreV1().PersistentVolumeClaims(e.ns).Get(ctx, "lab-workspace", metav1.GetOptions{})
		return err
	})
}

// must returns obj, failing on err only through the nil check of its
// caller: a missing child shows as a nil controller reference.
func must[T metav1.Object](obj T, err error) metav1.Object {
	if err != nil {
		return &metav1.ObjectMeta{Name: fmt.Sprintf("(%v)", err)}
	}
	return obj
}
