package verbs

import (
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// kubectl ml retry creates a retry of a failed run, named after it, with
// its run-level settings, and prints its name; the retry reuses what
// succeeded. A run that has not failed is refused with the server's 422.
func TestRetryVerb(t *testing.T) {
	ns := framework.NewNamespace(t)
	runs := server.Clientset().MlV1alpha1().PipelineRuns(ns)
	prep := task("prep", `echo out=ok > "$ML_TERMINATION_MESSAGE_PATH"`)
	prep.Outputs = []mlv1alpha1.TaskOutput{{Name: "out"}}
	run := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "flaky", Namespace: ns},
		Spec: mlv1alpha1.PipelineRunSpec{
			Parallelism: ptr.To[int32](3),
			PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{
				prep, task("fail", `echo $(tasks.prep.outputs.out); exit 2`),
			}},
		},
	}
	if _, err := runs.Create(t.Context(), run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, ns, "flaky", ended); r.Status.Phase != mlv1alpha1.PipelineRunFailed {
		t.Fatalf("run ended %s, want Failed", r.Status.Phase)
	}

	out := mustML(t, ns, "retry", "plr/flaky")
	m := regexp.MustCompile(`^pipelinerun\.ml\.example\.io/(flaky-retry-[a-z0-9]{5}) created\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("retry printed %q", out)
	}
	retry := waitRun(t, ns, m[1], ended)
	if retry.Spec.RetryOf == nil || retry.Spec.RetryOf.Name != "flaky" || ptr.Deref(retry.Spec.Parallelism, 0) != 3 {
		t.Errorf("retry spec %+v: want retryOf flaky and parallelism 3", retry.Spec)
	}
	// The retry fails again (fail always fails), but prep is reused.
	for _, e := range retry.Status.Tasks {
		if e.Name == "prep" && (e.Reason != plan.ReasonReused || len(e.Attempts) != 0) {
			t.Errorf("prep in the retry: %s/%s with %d attempts, want Reused", e.Phase, e.Reason, len(e.Attempts))
		}
		if e.Name == "fail" && len(e.Attempts) != 1 {
			t.Errorf("fail in the retry: %d attempts, want 1", len(e.Attempts))
		}
	}

	// A run that succeeded is refused.
	ok := &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "fine", Namespace: ns},
		Spec:       mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{task("a", "true")}}},
	}
	if _, err := runs.Create(t.Context(), ok, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRun(t, ns, "fine", ended)
	_, _, err := kubectlML(t, ns, "retry", "plr/fine")
	if err == nil || !strings.Contains(err.Error(), "spec.retryOf.name") || !strings.Contains(err.Error(), `PipelineRun "fine" is Succeeded`) ||
		!strings.Contains(err.Error(), `"fine-retry-" is invalid`) {
		t.Errorf("retry of a Succeeded run: %v, want the 422 naming spec.retryOf.name", err)
	}
	if _, _, err := kubectlML(t, ns, "retry", "tj/fine"); err == nil || err.Error() != "trainingjobs do not support retry: retry applies to pipelineruns" {
		t.Errorf("retry of a training job: %v", err)
	}
}
