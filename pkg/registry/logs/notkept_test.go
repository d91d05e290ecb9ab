package logs_test

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// A read that no log answers is a 404 that says why, never an empty 200:
// an ended job whose logs were neither live nor archived, a job that has
// started nothing, a replica that has not started, and the same with
// follow once the job has ended.
func TestNoLogIsNotFoundWithAReason(t *testing.T) {
	for _, tc := range []struct {
		name   string
		phase  ml.TrainingJobPhase
		pod    bool
		opts   ml.LogOptions
		reason string
	}{
		{"ended, nothing kept", ml.TrainingJobSucceeded, false, ml.LogOptions{}, `the logs of thing "train" are not kept: its processes are gone`},
		{"ended, nothing kept, one replica", ml.TrainingJobFailed, false, ml.LogOptions{Replica: "0"}, `the log of replica 0 of thing "train" is not kept`},
		{"ended, followed", ml.TrainingJobSucceeded, false, ml.LogOptions{Follow: true}, `the logs of thing "train" are not kept`},
		{"nothing started", ml.TrainingJobRunning, false, ml.LogOptions{}, `the logs of thing "train" do not exist yet: no process has started`},
		{"replica not started", ml.TrainingJobRunning, true, ml.LogOptions{Replica: "0"}, `the log of replica 0 of thing "train" is not there yet: the process has not started`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, jobKind{}, trainingJob(1))
			e.setJobPhase(tc.phase)
			if tc.pod {
				e.addReplica("0", "uid-0")
				e.source.SetStarted(ns, "train-0", false)
			}
			ctx := genericapirequest.WithNamespace(t.Context(), ns)
			opts := tc.opts
			_, err := e.rest.Get(ctx, "train", &opts)
			if !apierrors.IsNotFound(err) {
				t.Fatalf("got %v, want 404", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.reason) {
				t.Errorf("got %q, want it to say %q", msg, tc.reason)
			}
		})
	}
}
