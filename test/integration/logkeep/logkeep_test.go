// Package logkeep tests that in standalone mode the logs of finished
// processes survive a restart of the server: what the log subresource
// answered before the restart, it answers after it, byte for byte; and a
// log that does not exist is a 404 that says why.
package logkeep

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// lines is the shell command printing n numbered lines, then exiting with
// code.
func lines(n, code int) []string {
	return []string{"sh", "-c", fmt.Sprintf(`i=1; while [ $i -le %d ]; do echo "line $i of %d"; i=$$((i+1)); done; exit %d`, n, n, code)}
}

func job(ns, name string, replicas int32, command []string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:       ptr.To(replicas),
			BackoffLimit:   ptr.To[int32](0),
			CleanPodPolicy: mlv1alpha1.CleanPodPolicyRunning,
			ContainerSpec:  mlv1alpha1.ContainerSpec{Image: "ignored", Command: command},
		},
	}
}

func run(ns, name string) *mlv1alpha1.PipelineRun {
	task := func(name string, n int, after ...string) mlv1alpha1.PipelineTask {
		return mlv1alpha1.PipelineTask{Name: name, DependsOn: after, ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ignored", Command: lines(n, 0)}}
	}
	return &mlv1alpha1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{
			Tasks: []mlv1alpha1.PipelineTask{task("first", 30), task("second", 12, "first")},
		}},
	}
}

// readLog reads GET .../<resource>/<name>/log with params.
func readLog(ctx context.Context, s *framework.TestServer, ns, resource, name string, params map[string]string) (string, error) {
	req := s.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource(resource).Name(name).SubResource("log")
	for k, v := range params {
		req = req.Param(k, v)
	}
	res := req.Do(ctx)
	if err := res.Error(); err != nil {
		return "", err
	}
	data, err := res.Raw()
	return string(data), err
}

// waitEnded waits until the object of resource has ended, as get says.
func waitEnded(t *testing.T, what string, get func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true, get); err != nil {
		t.Fatalf("%s did not end: %v", what, err)
	}
}

// A TrainingJob whose finished replicas cleanPodPolicy Running keeps (one
// succeeded, one failed) and a PipelineRun's tasks: the logs read after a
// restart of the server equal those read before it. Each log is read
// before the restart only once it is whole (the process ended and its
// last line is there).
func TestLogsSurviveARestart(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) { o.Controllers.Controllers = []string{"*"} })
	ctx := t.Context()
	ns := framework.NewNamespace(t)
	ml := s.Clientset().MlV1alpha1()

	if _, err := ml.TrainingJobs(ns).Create(ctx, job(ns, "ok", 1, lines(45, 0)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ml.TrainingJobs(ns).Create(ctx, job(ns, "typo", 1, lines(7, 3)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ml.PipelineRuns(ns).Create(ctx, run(ns, "steps"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]mlv1alpha1.TrainingJobPhase{"ok": mlv1alpha1.TrainingJobSucceeded, "typo": mlv1alpha1.TrainingJobFailed} {
		waitEnded(t, "trainingjob "+name, func(ctx context.Context) (bool, error) {
			j, err := ml.TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if j.Status.Phase == mlv1alpha1.TrainingJobSucceeded || j.Status.Phase == mlv1alpha1.TrainingJobFailed {
				if j.Status.Phase != want {
					return false, fmt.Errorf("ended %s, want %s", j.Status.Phase, want)
				}
				return true, nil
			}
			return false, nil
		})
	}
	waitEnded(t, "pipelinerun steps", func(ctx context.Context) (bool, error) {
		r, err := ml.PipelineRuns(ns).Get(ctx, "steps", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if r.Status.Phase == mlv1alpha1.PipelineRunFailed {
			return false, fmt.Errorf("the run failed: %+v", r.Status.Tasks)
		}
		return r.Status.Phase == mlv1alpha1.PipelineRunSucceeded, nil
	})

	reads := []struct {
		resource, name string
		params         map[string]string
		last           string
	}{
		{"trainingjobs", "ok", nil, "[replica-0] line 45 of 45\n"},
		{"trainingjobs", "ok", map[string]string{"replica": "0", "timestamps": "true"}, "line 45 of 45\n"},
		{"trainingjobs", "typo", nil, "[replica-0] line 7 of 7\n"},
		{"pipelineruns", "steps", nil, "[second] line 12 of 12\n"},
		{"pipelineruns", "steps", map[string]string{"task": "first"}, "line 30 of 30\n"},
	}
	before := make([]string, len(reads))
	for i, r := range reads {
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			got, err := readLog(ctx, s, ns, r.resource, r.name, r.params)
			before[i] = got
			return err == nil && strings.HasSuffix(got, r.last), nil
		})
		if err != nil {
			t.Fatalf("%s/%s %v before the restart: %q, want it to end with %q", r.resource, r.name, r.params, before[i], r.last)
		}
	}

	s.Restart()

	for i, r := range reads {
		got, err := readLog(ctx, s, ns, r.resource, r.name, r.params)
		if err != nil {
			t.Errorf("%s/%s %v after the restart: %v", r.resource, r.name, r.params, err)
			continue
		}
		if diff := cmp.Diff(before[i], got); diff != "" {
			t.Errorf("%s/%s %v after the restart (-before +after):\n%s", r.resource, r.name, r.params, diff)
		}
	}
}

// A log that never existed is a 404 that says why, not an empty 200.
func TestLogThatNeverExistedIsNotFound(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) { o.Controllers.Controllers = []string{"*"} })
	ctx := t.Context()
	ns := framework.NewNamespace(t)
	ml := s.Clientset().MlV1alpha1()
	// Suspended: it starts no process.
	j := job(ns, "idle", 1, lines(1, 0))
	j.Spec.Suspend = true
	if _, err := ml.TrainingJobs(ns).Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, params := range []map[string]string{nil, {"replica": "0"}} {
		got, err := readLog(ctx, s, ns, "trainingjobs", "idle", params)
		if !apierrors.IsNotFound(err) {
			t.Errorf("log %v of a job that started nothing: %q, %v; want 404", params, got, err)
			continue
		}
		if !strings.Contains(err.Error(), `trainingjob "idle"`) || !strings.Contains(err.Error(), "has started") {
			t.Errorf("log %v of a job that started nothing: %q, want a reason", params, err)
		}
	}
}
