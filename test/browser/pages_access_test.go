package browser

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// suspendedJob is a training job that never starts a process.
func suspendedJob(name string) *mlv1alpha1.TrainingJob {
	tj := &mlv1alpha1.TrainingJob{}
	tj.Name = name
	tj.Spec.Suspend = true
	tj.Spec.Image = "busybox:1.36"
	tj.Spec.Command = []string{"true"}
	return tj
}

// TestDeleteButtonHiddenWithoutDelete: on a cluster (local-up), a user who
// may read but not delete ml.example.io objects sees a training job's page
// without its delete button (and without suspend or scale), as the
// SelfSubjectAccessReviews of the page said.
func TestDeleteButtonHiddenWithoutDelete(t *testing.T) {
	env := framework.New(t).LimitedDashboard(t, "get", "list", "watch")
	if _, err := env.Client.MlV1alpha1().TrainingJobs(env.Namespace).Create(t.Context(), suspendedJob("read-only"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/trainingjobs/read-only", env.Namespace))
	waitFor(t, b, "the job's phase", `document.querySelector('.page-head [data-testid="phase"]')`)
	waitFor(t, b, "the permission checks", `document.querySelector('[data-testid="delete-button"]')?.dataset.access === 'denied' && document.querySelector('[data-testid="scale-form"], [data-access="pending"]') === null || document.querySelector('[data-testid="scale-form"]')?.dataset.access === 'denied'`)
	// What the user sees: elements with a box on the page.
	visible := eval[[]string](t, b, `[...document.querySelectorAll('button')].filter((e) => e.getClientRects().length > 0).map((e) => e.textContent.trim())`)
	for _, v := range visible {
		if v == "Delete" || v == "Resume" || v == "Suspend" || v == "Scale" {
			t.Errorf("a user who may only read sees the button %q; visible buttons: %q", v, visible)
		}
	}
	if !slices.Contains(visible, "Reload") {
		t.Errorf("the page shows no buttons at all (%q): the check above proves nothing", visible)
	}
	env.Screenshot(t, b, "read-only")
}

// TestDeleteWithConfirmation: the admin sees the delete button, the
// dialog asks first, and the confirmed deletion deletes the job and goes
// back to the live list.
func TestDeleteWithConfirmation(t *testing.T) {
	env := framework.New(t)
	jobs := env.Client.MlV1alpha1().TrainingJobs(env.Namespace)
	for _, n := range []string{"keep", "doomed"} {
		if _, err := jobs.Create(t.Context(), suspendedJob(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/trainingjobs/doomed", env.Namespace))
	waitFor(t, b, "the delete button", `document.querySelector('[data-testid="delete-button"]')?.dataset.access === 'allowed' && document.querySelector('[data-testid="delete-button"]').getClientRects().length > 0`)
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="delete-button"]`)))
	waitFor(t, b, "the confirmation dialog", `document.querySelector('dialog[open] [data-testid="confirm-button"]')`)
	if _, err := jobs.Get(t.Context(), "doomed", metav1.GetOptions{}); err != nil {
		t.Fatalf("the job is gone before the deletion was confirmed: %v", err)
	}
	env.Screenshot(t, b, "confirm")
	do(t, b, chromedp.Click(chromedp.CSS(`dialog[open] [data-testid="confirm-button"]`)))
	if err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, pageTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := jobs.Get(ctx, "doomed", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("the confirmed deletion did not delete the job: %v", err)
	}
	waitFor(t, b, "the list without the deleted job", `location.hash.endsWith('/trainingjobs') && document.querySelector('[data-testid="list-row"][data-name="keep"]') && !document.querySelector('[data-testid="list-row"][data-name="doomed"]')`)
}

// TestCreatePageDryRun: the create page shows the server's field errors of
// a dry run and creates nothing; with the error fixed, it creates the job.
func TestCreatePageDryRun(t *testing.T) {
	env := framework.New(t)
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/create?kind=trainingjobs", env.Namespace))
	const bad = `apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata:
  name: from-yaml
spec:
  replicas: -2
  suspend: true
  image: busybox:1.36
  command: ["true"]
`
	do(t, b, chromedp.SetValue(chromedp.CSS(`[data-testid="yaml-input"]`), bad), chromedp.Click(chromedp.CSS(`[data-testid="create-button"]`)))
	waitFor(t, b, "the field error of spec.replicas", `document.querySelector('[data-testid="field-errors"]')?.textContent.includes('spec.replicas')`)
	env.Screenshot(t, b, "field-errors")
	if _, err := env.Client.MlV1alpha1().TrainingJobs(env.Namespace).Get(t.Context(), "from-yaml", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused dry run created the job (get: %v)", err)
	}
	do(t, b, chromedp.SetValue(chromedp.CSS(`[data-testid="yaml-input"]`), strings.Replace(bad, "replicas: -2", "replicas: 1", 1)), chromedp.Click(chromedp.CSS(`[data-testid="create-button"]`)))
	waitFor(t, b, "the link to the created job", `document.querySelector('[data-testid="create-results"] a')?.textContent.includes('from-yaml')`)
	if _, err := env.Client.MlV1alpha1().TrainingJobs(env.Namespace).Get(t.Context(), "from-yaml", metav1.GetOptions{}); err != nil {
		t.Fatalf("the job was not created: %v", err)
	}
}
