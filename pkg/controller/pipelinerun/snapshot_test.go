package pipelinerun

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// servedRun is r as the server stores it: the snapshot out of the status,
// served from the pipeline subresource with hash; it returns the snapshot.
func servedRun(t *testing.T, r *mlv1alpha1.PipelineRun, hash string) *mlv1alpha1.Pipeline {
	t.Helper()
	p := &mlv1alpha1.Pipeline{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: r.Namespace}, Spec: *r.Status.PipelineSpec}
	if hash == "" {
		var err error
		if hash, err = mlv1alpha1.PipelineSnapshotHash(&p.Spec); err != nil {
			t.Fatal(err)
		}
	}
	r.Status.PipelineSpec, r.Status.Pipeline.Hash = nil, hash
	return p
}

// servePipeline makes the fake clientset serve p from the pipeline
// subresource, and counts the reads.
func (f *fixture) servePipeline(p *mlv1alpha1.Pipeline) *int {
	reads := new(int)
	f.ML.PrependReactor("get", "pipelineruns", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "pipeline" {
			return false, nil, nil
		}
		*reads++
		return true, p.DeepCopy(), nil
	})
	return reads
}

// TestSyncReadsSnapshotSubresource: a run as the server stores it carries
// only status.pipeline; the controller plans from the pipeline
// subresource, reads it once, and never writes the snapshot back.
func TestSyncReadsSnapshotSubresource(t *testing.T) {
	r := makeRun(t, "r", diamond(), mlv1alpha1.Param{Name: "lr", Value: "0.01"})
	p := servedRun(t, r, "")
	f := newFixture(t, r)
	reads := f.servePipeline(p)
	f.mustSync("r")
	if diff := cmp.Diff([]string{podName("r", "prepare")}, f.podNames()); diff != "" {
		t.Fatalf("pods (-want +got):\n%s", diff)
	}
	run := f.run("r")
	if run.Status.PipelineSpec != nil || run.Status.Pipeline == nil || run.Status.Pipeline.Hash != r.Status.Pipeline.Hash {
		t.Errorf("status.pipelineSpec %v, status.pipeline %+v: the snapshot must stay out of the status", run.Status.PipelineSpec != nil, run.Status.Pipeline)
	}
	if len(run.Status.Tasks) != 5 {
		t.Errorf("status lists %d tasks, want 5", len(run.Status.Tasks))
	}
	f.mustSync("r")
	if *reads != 1 {
		t.Errorf("the snapshot was read %d times in two syncs, want once", *reads)
	}
}

// TestSyncSnapshotHashMismatch: a snapshot that is not the one
// status.pipeline.hash names is not executed.
func TestSyncSnapshotHashMismatch(t *testing.T) {
	r := makeRun(t, "r", diamond())
	p := servedRun(t, r, "sha256:0000")
	f := newFixture(t, r)
	f.servePipeline(p)
	err := f.sync("r")
	if err == nil || !strings.Contains(err.Error(), "sha256:0000") {
		t.Errorf("sync error %v, want the hash mismatch", err)
	}
	if got := f.podNames(); len(got) != 0 {
		t.Errorf("pods %v started from a snapshot with the wrong hash", got)
	}
}

// TestSyncMigratesLegacySnapshot: a run an earlier version stored, with
// the snapshot in status.pipelineSpec and no status.pipeline, gets its
// status written back as it is (the server moves the snapshot out on that
// write), and nothing else happens until it comes back migrated.
func TestSyncMigratesLegacySnapshot(t *testing.T) {
	r := makeRun(t, "r", diamond())
	r.Status.Pipeline = nil
	f := newFixture(t, r)
	f.ML.ClearActions()
	f.mustSync("r")
	var updates int
	for _, a := range f.ML.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			updates++
			got := a.(clienttesting.UpdateAction).GetObject().(*mlv1alpha1.PipelineRun)
			if got.Status.PipelineSpec == nil {
				t.Errorf("the migrating write dropped status.pipelineSpec")
			}
		}
	}
	if updates != 1 {
		t.Errorf("%d status writes, want 1; actions %v", updates, f.ML.Actions())
	}
	if got := f.podNames(); len(got) != 0 {
		t.Errorf("pods %v started before the migration", got)
	}
}
