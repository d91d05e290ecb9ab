package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// artifactSpec is prepare (writes data) -> train (reads it, writes model).
func artifactSpec() *ml.PipelineSpec {
	return pipeline(
		task("prepare").OutputArtifact("data", ml.ArtifactTypeDataset),
		task("train").InputArtifact("dataset", "prepare", "data").OutputArtifact("model", ml.ArtifactTypeModel),
	).Spec()
}

func newArtifactSim(t *testing.T) *sim {
	s := newSim(t, artifactSpec())
	s.run.UID = "u1"
	return s
}

// push ends the running pod of entry as its push step does: Succeeded,
// reporting the given artifacts as stored.
func (s *sim) push(entry string, results ...workload.ArtifactResult) {
	s.t.Helper()
	name := s.task(entry).PodName
	s.end(name, 0, "")
	pod := s.pods[name]
	pod.Artifacts = results
	s.pods[name] = pod
}

func TestArtifactsFlowBetweenTasks(t *testing.T) {
	s := newArtifactSim(t)
	res := s.plan()
	if len(res.Create) != 1 || res.Create[0].Name != "prepare" {
		t.Fatalf("created %v, want prepare alone", podNames(res.Create))
	}
	wantPrepare := &workload.ArtifactPlan{Outputs: []workload.ArtifactTransfer{{Name: "data", Key: "ns/pipelineruns/r/u1/prepare/data", Path: "/ml/artifacts/out/data"}}}
	if diff := cmp.Diff(wantPrepare, res.Create[0].Artifacts); diff != "" {
		t.Errorf("prepare's artifacts (-want +got):\n%s", diff)
	}

	s.push("prepare", workload.ArtifactResult{Name: "data", Key: "ns/pipelineruns/r/u1/prepare/data", URI: "file:///a/ns/pipelineruns/r/u1/prepare/data", Size: 5, Digest: "sha256:aa"})
	res = s.plan()
	record := ml.ArtifactRecord{
		Name: "data", Type: ml.ArtifactTypeDataset, Key: "ns/pipelineruns/r/u1/prepare/data", URI: "file:///a/ns/pipelineruns/r/u1/prepare/data", Size: 5, Digest: "sha256:aa",
		Producer: &ml.ArtifactProducer{Kind: "PipelineRun", Name: "r", UID: "u1", Task: "prepare"},
	}
	if diff := cmp.Diff(&ml.ArtifactsStatus{Outputs: []ml.ArtifactRecord{record}}, s.task("prepare").Artifacts); diff != "" {
		t.Errorf("prepare's artifacts in status (-want +got):\n%s", diff)
	}
	if len(res.Create) != 1 || res.Create[0].Name != "train" {
		t.Fatalf("created %v, want train", podNames(res.Create))
	}
	wantTrain := &workload.ArtifactPlan{
		Inputs:  []workload.ArtifactTransfer{{Name: "dataset", Key: "ns/pipelineruns/r/u1/prepare/data", Path: "/ml/artifacts/in/dataset"}},
		Outputs: []workload.ArtifactTransfer{{Name: "model", Key: "ns/pipelineruns/r/u1/train/model", Path: "/ml/artifacts/out/model"}},
	}
	if diff := cmp.Diff(wantTrain, res.Create[0].Artifacts); diff != "" {
		t.Errorf("train's artifacts (-want +got):\n%s", diff)
	}
	consumed := record
	consumed.Name = "dataset"
	if diff := cmp.Diff(&ml.ArtifactsStatus{Inputs: []ml.ArtifactRecord{consumed}}, s.task("train").Artifacts); diff != "" {
		t.Errorf("train's consumed artifacts in status (-want +got):\n%s", diff)
	}
}

func TestArtifactNotReportedFailsTask(t *testing.T) {
	s := newArtifactSim(t)
	s.plan()
	s.push("prepare") // exited 0, pushed nothing
	s.plan()
	got := s.task("prepare")
	if got.Phase != ml.TaskFailed || got.Reason != ReasonMissingArtifact || !strings.Contains(got.Message, `"data"`) {
		t.Errorf("prepare: %s/%s %q, want Failed/%s naming the artifact", got.Phase, got.Reason, got.Message, ReasonMissingArtifact)
	}
	if train := s.task("train"); train.Phase == ml.TaskRunning || train.PodName != "" {
		t.Errorf("train started without its input: %+v", train)
	}
}

// TestCacheKeyCoversInputDigests: the same task reading other bytes has
// another cache key; reading the same bytes, the same one.
func TestCacheKeyCoversInputDigests(t *testing.T) {
	keyOfTrain := func(digest string) string {
		s := newArtifactSim(t)
		s.plan()
		s.push("prepare", workload.ArtifactResult{Name: "data", Key: "k", Size: 5, Digest: digest})
		s.plan()
		return s.task("train").CacheKey
	}
	a, b, a2 := keyOfTrain("sha256:aa"), keyOfTrain("sha256:bb"), keyOfTrain("sha256:aa")
	if a == "" || a == b {
		t.Errorf("cache keys of train reading digests aa and bb: %q and %q, want different", a, b)
	}
	if a != a2 {
		t.Errorf("cache keys of train reading the same digest: %q and %q, want equal", a, a2)
	}
}

// TestCachedTaskGivesItsArtifacts: a task served from the cache has the
// artifacts of the cached task, which its consumers read; a cached result
// without them does not serve.
func TestCachedTaskGivesItsArtifacts(t *testing.T) {
	first := newArtifactSim(t)
	first.plan()
	first.push("prepare", workload.ArtifactResult{Name: "data", Key: "ns/pipelineruns/r/u1/prepare/data", Size: 5, Digest: "sha256:aa"})
	first.plan()
	prepared := first.task("prepare")

	second := newArtifactSim(t)
	second.run.UID = "u2"
	second.cache = mapCache{prepared.CacheKey: {Run: "r", Task: "prepare", Artifacts: prepared.Artifacts.Outputs}}
	res := second.plan()
	if got := second.task("prepare"); got.Reason != ReasonCached {
		t.Fatalf("prepare: %s/%s, want served from the cache", got.Phase, got.Reason)
	}
	if len(res.Create) != 1 || res.Create[0].Artifacts == nil || res.Create[0].Artifacts.Inputs[0].Key != "ns/pipelineruns/r/u1/prepare/data" {
		t.Errorf("train's plan %+v, want it to read the cached run's artifact", res.Create)
	}

	third := newArtifactSim(t)
	third.cache = mapCache{prepared.CacheKey: {Run: "r", Task: "prepare"}}
	third.plan()
	if got := third.task("prepare"); got.Reason == ReasonCached {
		t.Errorf("prepare served from a cached result without its artifact")
	}
}
