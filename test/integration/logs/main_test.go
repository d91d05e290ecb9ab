// Package logs tests the log subresources in-process: option decoding and
// validation, merging with prefixes, following, client disconnects, and
// the log archive, with a fake pod log source behind the interface the
// Kubernetes one implements.
package logs

import (
	"context"
	"io"
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

func TestMain(m *testing.M) {
	// The local runtime starts this test binary as the launcher of its
	// confined processes.
	launcher.RunIfLauncher()
	os.Exit(m.Run())
}

// archiveCap is the --log-archive-max-bytes of the test server.
const archiveCap = 64 << 10

// env is a server with a fake pod log source.
type env struct {
	server *framework.TestServer
	source *logstest.Source
	cs     versioned.Interface
}

func start(t *testing.T) *env {
	t.Helper()
	e := &env{source: logstest.New()}
	e.server = framework.StartTestServerWith(t, func(o *options.Options) {
		// No controller runs the objects: the fake source plays their pods.
		o.Controllers.Controllers = nil
		o.Logs.Source = e.source
		o.Logs.ArchiveMaxBytes = archiveCap
	})
	e.cs = e.server.Clientset()
	return e
}

// job stores a TrainingJob and adds a running pod per replica to the fake
// source, controlled by the job and labelled like the controller's.
func (e *env) job(t *testing.T, ns, name string, replicas int) *mlv1alpha1.TrainingJob {
	t.Helper()
	job, err := e.cs.MlV1alpha1().TrainingJobs(ns).Create(t.Context(), mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create job: %v", err)
	}
	for i := range replicas {
		e.source.AddPod(ns, workload.Pod{
			Name:          podName(name, i),
			UID:           types.UID("pod-uid-" + podName(name, i)),
			Labels:        map[string]string{mlv1alpha1.TrainingJobNameLabel: name, mlv1alpha1.ReplicaIndexLabel: itoa(i)},
			ControllerUID: job.UID,
			Containers:    []string{"trainer"},
		})
	}
	return job
}

// setPhase writes the phase of a job, as its controller would.
func (e *env) setPhase(t *testing.T, ns, name string, phase mlv1alpha1.TrainingJobPhase) {
	t.Helper()
	jobs := e.cs.MlV1alpha1().TrainingJobs(ns)
	job, err := jobs.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job.Status.Phase = phase
	if _, err := jobs.UpdateStatus(t.Context(), job, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the phase of %s: %v", name, err)
	}
}

func podName(job string, i int) string { return job + "-" + itoa(i) }

func itoa(i int) string { return string(rune('0' + i)) }

// logRequest is GET .../trainingjobs/name/log with params.
func (e *env) logRequest(ns, name string, params map[string]string) *rest.Request {
	r := e.cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name(name).SubResource("log")
	for k, v := range params {
		r.Param(k, v)
	}
	return r
}

// readLog reads a whole log answer.
func (e *env) readLog(t *testing.T, ctx context.Context, ns, name string, params map[string]string) string {
	t.Helper()
	rc, err := e.logRequest(ns, name, params).Stream(ctx)
	if err != nil {
		t.Fatalf("GET log %v: %v", params, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read log: %v", err)
	}
	return string(b)
}
