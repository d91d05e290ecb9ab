package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

// namespace is fixed: it is part of some golden outputs.
const namespace = "plugin"

// TestPlugin runs the binary: kubectl's error format and exit code 1,
// usage errors, the messages that list what exists, the version, and
// --watch ending with the object.
func TestPlugin(t *testing.T) {
	p := plugin{bin: buildPlugin(t), kubeconfig: server.Kubeconfig, home: t.TempDir()}
	seed(t)

	cases := []struct {
		golden string
		args   []string
	}{
		// Errors of the server, as kubectl prints them.
		{"not-found", []string{"logs", "trainingjob/nope", "-n", namespace}},
		{"metrics-not-found", []string{"metrics", "tj/nope", "-n", namespace}},
		// Every name kubectl knows resolves: the kind, resource.group.
		{"kind-not-found", []string{"logs", "TrainingJob/nope", "-n", namespace}},
		{"group-not-found", []string{"logs", "pipelineruns.ml.example.io/nope", "-n", namespace}},
		// Errors of the resource builder, as kubectl prints them.
		{"unknown-kind", []string{"logs", "foo/bar", "-n", namespace}},
		{"not-kind-name", []string{"logs", "mnist", "-n", namespace}},
		{"no-log-subresource", []string{"metrics", "notebook/scratch", "-n", namespace}},
		// Usage errors.
		{"missing-argument", []string{"logs"}},
		{"replica-and-task", []string{"logs", "tj/two", "--replica", "0", "--task", "a", "-n", namespace}},
		{"unknown-flag", []string{"metrics", "tj/two", "--bogus"}},
		{"unknown-command", []string{"nope"}},
		// Messages that say what exists.
		{"unknown-task", []string{"logs", "plr/diamond", "--task", "nope", "-n", namespace}},
		{"unknown-replica", []string{"logs", "tj/two", "--replica", "5", "-n", namespace}},
		{"unknown-metric", []string{"metrics", "tj/two", "--names", "nope", "-n", namespace}},
		{"metrics-unknown-task", []string{"metrics", "plr/diamond", "--task", "nope", "-n", namespace}},
		// Counters are in the table, charted only when named.
		{"metrics-counters", []string{"metrics", "tj/two", "-n", namespace, "--height", "3", "--width", "40"}},
		{"metrics-epoch-named", []string{"metrics", "tj/two", "-n", namespace, "--names", "epoch", "--height", "3", "--width", "40"}},
		// Version: the stamped client and what the server reports.
		{"version", []string{"version"}},
		{"version-client-json", []string{"version", "--client", "-o", "json"}},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			cmdtest.Golden(t, tc.golden, p.run(t, tc.args...).String())
		})
	}
}

// seed stores what the cases read: a training job of two replicas with
// metrics, and a pipeline run whose tasks have started.
func seed(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	cs := server.Clientset().MlV1alpha1()
	if _, err := cs.TrainingJobs(namespace).Create(ctx, mltesting.NewTrainingJob("two", namespace).Replicas(2).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Notebooks(namespace).Create(ctx, mltesting.NewNotebook("scratch", namespace).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	postMetrics(t, "trainingjobs", "two",
		series("loss", 2.5, 1.25, 0.5, 0.25),
		series("accuracy", 0.25, 0.5, 0.75, 0.875),
		series("epoch", 0, 0, 1, 1))

	spec := mltesting.NewPipeline("diamond", namespace).Task("train").Task("eval", "train").Spec()
	run, err := cs.PipelineRuns(namespace).Create(ctx, mltesting.NewPipelineRun("diamond", namespace).Inline(spec).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run.Status.Phase = mlv1alpha1.PipelineRunRunning
	run.Status.Tasks = []mlv1alpha1.PipelineTaskStatus{
		{Name: "train", Phase: mlv1alpha1.TaskSucceeded},
		{Name: "eval", Phase: mlv1alpha1.TaskRunning},
	}
	if _, err := cs.PipelineRuns(namespace).UpdateStatus(ctx, run, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// series is a metric series with values at steps 1, 2, ...
func series(name string, values ...float64) mlv1alpha1.MetricSeries {
	s := mlv1alpha1.MetricSeries{Name: name}
	for i, v := range values {
		s.Points = append(s.Points, mlv1alpha1.MetricPoint{Step: int64(i + 1), Value: v})
	}
	return s
}

// postMetrics stores series through the metrics subresource.
func postMetrics(t *testing.T, resource, name string, series ...mlv1alpha1.MetricSeries) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"series": series})
	if err != nil {
		t.Fatal(err)
	}
	err = server.Clientset().MlV1alpha1().RESTClient().Post().Namespace(namespace).
		Resource(resource).Name(name).SubResource("metrics").
		SetHeader("Content-Type", "application/json").Body(raw).Do(t.Context()).Error()
	if err != nil {
		t.Fatalf("POST %s/%s/metrics: %v", resource, name, err)
	}
}

// syncBuffer is a buffer the test reads while the plugin writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMetricsWatchEndsWithTheObject: `metrics --watch` prints, keeps
// watching while the job runs, and exits 0 once the job has succeeded.
func TestMetricsWatchEndsWithTheObject(t *testing.T) {
	p := plugin{bin: buildPlugin(t), kubeconfig: server.Kubeconfig, home: t.TempDir()}
	ctx := t.Context()
	cs := server.Clientset().MlV1alpha1()
	job, err := cs.TrainingJobs(namespace).Create(ctx, mltesting.NewTrainingJob("watched", namespace).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job.Status.Phase = mlv1alpha1.TrainingJobRunning
	if job, err = cs.TrainingJobs(namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	postMetrics(t, "trainingjobs", "watched", series("loss", 1, 0.5))

	// Generous: a plugin that never ends is killed here, and fails.
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := p.command(runCtx, "metrics", "tj/watched", "--watch", "--interval", "100ms", "--height", "0", "-n", namespace)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cancel()
		<-done
	}()

	// It prints the running job's metrics, then new points as they come.
	waitFor(t, &stdout, "loss")
	postMetrics(t, "trainingjobs", "watched", series("loss", 1, 0.5, 0.25))
	waitFor(t, &stdout, "0.25")
	select {
	case err := <-done:
		done <- err
		t.Fatalf("metrics --watch ended while the job runs: %v\n%s%s", err, stdout.String(), stderr.String())
	default:
	}

	job.Status.Phase = mlv1alpha1.TrainingJobSucceeded
	if _, err := cs.TrainingJobs(namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = <-done
	done <- err
	if runCtx.Err() != nil {
		t.Fatalf("metrics --watch did not end after the job succeeded\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("metrics --watch: %v\nstderr:\n%s", err, stderr.String())
	}
	if want := "trainingjobs/watched has ended (Succeeded)."; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr: want %q, got:\n%s", want, stderr.String())
	}
}

// waitFor polls until out contains s.
func waitFor(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return strings.Contains(out.String(), s), nil
	})
	if err != nil {
		t.Fatalf("output never had %q:\n%s", s, out.String())
	}
}
