package model

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// fetcher is a workload.ArtifactFetcher whose objects are the keys of
// present; it counts its checks.
type fetcher struct {
	present map[string]bool
	checks  int
}

func (f *fetcher) Check(_ context.Context, _, uri string) error {
	f.checks++
	if !f.present[uri] {
		return errors.New("artifact not found")
	}
	return nil
}

func (f *fetcher) Pull(context.Context, string, string, string) error { return nil }

// A source that cannot be read fails the model before anything runs, with
// a condition naming the URI and why; one that can is checked once, not
// at every sync, and its artifact and producer are in status.source.
func TestSourceCheck(t *testing.T) {
	const uri = "s3://b/ns/TrainingJob/train/uid-train/trainer/model"
	trained := job("train", mlv1alpha1.TrainingJobSucceeded, "")
	trained.Status.Artifacts = &mlv1alpha1.ArtifactsStatus{Outputs: []mlv1alpha1.ArtifactRecord{{
		Name: "model", Type: mlv1alpha1.ArtifactTypeModel, URI: uri, Digest: "sha256:feed",
		Producer: &mlv1alpha1.ArtifactProducer{Kind: "TrainingJob", Name: "train", UID: "uid-train"},
	}}}
	m := makeModel("a").obj()
	m.Spec.Source = mlv1alpha1.ModelSource{Artifact: &mlv1alpha1.ModelArtifactSource{FromTrainingJob: "train", Name: "model"}}

	f := newFixture(t, m, trained)
	fake := &fetcher{present: map[string]bool{}}
	f.c.fetcher = fake
	f.sync()
	got := f.model()
	c := meta.FindStatusCondition(got.Status.Conditions, ConditionSourceResolved)
	if got.Status.Phase != mlv1alpha1.ModelFailed || c == nil || c.Reason != ReasonSourceUnavailable ||
		!strings.Contains(c.Message, uri) || !strings.Contains(c.Message, "artifact not found") {
		t.Errorf("a missing source: phase %s, SourceResolved %+v; want Failed, naming %s and why", got.Status.Phase, c, uri)
	}
	if f.deployment("a") != nil {
		t.Errorf("a Deployment was made for a source that cannot be read")
	}

	fake.present[uri] = true
	f.sync()
	got = f.model()
	if got.Status.Phase == mlv1alpha1.ModelFailed || f.deployment("a") == nil {
		t.Fatalf("once readable: phase %s, deployment %v", got.Status.Phase, f.deployment("a") != nil)
	}
	want := &mlv1alpha1.ModelSourceStatus{URI: uri, Artifact: "model", Digest: "sha256:feed", Producer: &mlv1alpha1.ArtifactProducer{Kind: "TrainingJob", Name: "train", UID: "uid-train"}}
	if s := got.Status.Source; s == nil || *s.Producer != *want.Producer || s.URI != want.URI || s.Digest != want.Digest || s.Artifact != want.Artifact {
		t.Errorf("status.source = %+v, want %+v", s, want)
	}
	checks := fake.checks
	f.sync()
	f.sync()
	if fake.checks != checks {
		t.Errorf("a served source was checked again at every sync (%d more checks)", fake.checks-checks)
	}
}
