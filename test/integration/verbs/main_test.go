// Package verbs tests the `kubectl ml` verbs get, tree, stop, start,
// suspend, resume and cancel, and the order of merged pipeline run logs,
// against a standalone server whose controllers run objects as processes.
package verbs

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.MainWith(m, &server, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
	})
}

// kubectlML runs `kubectl ml args... -n ns` in-process and returns what it
// printed and its error.
func kubectlML(t *testing.T, ns string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cmd.NewCmdML(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	root.SetArgs(append(args, "-n", ns, "--kubeconfig", server.Kubeconfig, "--cache-dir", t.TempDir()))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(t.Context())
	t.Logf("kubectl ml %s: err=%v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	return out.String(), errOut.String(), err
}

// mustML runs `kubectl ml` and fails the test when it fails.
func mustML(t *testing.T, ns string, args ...string) string {
	t.Helper()
	out, _, err := kubectlML(t, ns, args...)
	if err != nil {
		t.Fatalf("kubectl ml %s: %v", strings.Join(args, " "), err)
	}
	return out
}

var (
	timestampRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	// durationRE is a duration as kubectl prints ages, between spaces.
	durationRE = regexp.MustCompile(`(^|\s)(\d+[smhd](\d+[smh])?)( +|$)`)
)

// normalize replaces times and durations, which differ between runs, by
// placeholders of the same width so columns stay aligned.
func normalize(s string) string {
	s = timestampRE.ReplaceAllString(s, "YYYY-MM-DDThh:mm:ssZ")
	var b strings.Builder
	for line := range strings.Lines(s) {
		line, nl := strings.CutSuffix(line, "\n")
		b.WriteString(durationRE.ReplaceAllStringFunc(line, func(m string) string {
			sub := durationRE.FindStringSubmatch(m)
			lead, d, pad := sub[1], sub[2], sub[4]
			if pad == "" {
				return lead + "<d>"
			}
			width := len(d) + len(pad)
			return lead + "<d>" + strings.Repeat(" ", max(width-3, 1))
		}))
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// waitRun waits until the run satisfies cond and returns it.
func waitRun(t *testing.T, ns, name string, cond func(*mlv1alpha1.PipelineRun) bool) *mlv1alpha1.PipelineRun {
	t.Helper()
	var last *mlv1alpha1.PipelineRun
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		r, err := server.Clientset().MlV1alpha1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = r
		return cond(r), nil
	})
	if err != nil {
		t.Fatalf("run %s/%s: %v; last status %+v", ns, name, err, last.Status)
	}
	return last
}

func ended(r *mlv1alpha1.PipelineRun) bool {
	switch r.Status.Phase {
	case mlv1alpha1.PipelineRunSucceeded, mlv1alpha1.PipelineRunFailed, mlv1alpha1.PipelineRunCanceled:
		return true
	}
	return false
}

// task is a pipeline task running a shell script.
func task(name, script string, dependsOn ...string) mlv1alpha1.PipelineTask {
	return mlv1alpha1.PipelineTask{
		Name:          name,
		ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: []string{"sh", "-c", script}},
		DependsOn:     dependsOn,
	}
}
