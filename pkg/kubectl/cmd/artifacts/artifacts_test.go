package artifacts

import (
	"bytes"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

func list() *mlv1alpha1.ArtifactList {
	producer := func(task string) *mlv1alpha1.ArtifactProducer {
		return &mlv1alpha1.ArtifactProducer{Kind: "PipelineRun", Name: "train-eval-1", UID: "5f1c", Task: task}
	}
	item := func(task string, dir mlv1alpha1.ArtifactDirection, name string, typ mlv1alpha1.ArtifactType, size int64, digest, from string) mlv1alpha1.ArtifactListItem {
		return mlv1alpha1.ArtifactListItem{Task: task, Direction: dir, Path: task + "/" + name, ArtifactRecord: mlv1alpha1.ArtifactRecord{
			Name: name, Type: typ, SizeBytes: size, Digest: digest, Producer: producer(from),
			URI: "s3://ml-artifacts/team-a/PipelineRun/train-eval-1/5f1c/" + from + "/" + name,
		}}
	}
	const d = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	return &mlv1alpha1.ArtifactList{Items: []mlv1alpha1.ArtifactListItem{
		item("prepare", mlv1alpha1.ArtifactOutput, "dataset", mlv1alpha1.ArtifactTypeDataset, 1536, d, "prepare"),
		item("train", mlv1alpha1.ArtifactInput, "dataset", mlv1alpha1.ArtifactTypeDataset, 1536, d, "prepare"),
		item("train", mlv1alpha1.ArtifactOutput, "model", mlv1alpha1.ArtifactTypeModel, 25<<20, d, "train"),
		item("evaluate", mlv1alpha1.ArtifactOutput, "report", mlv1alpha1.ArtifactTypeMarkdown, 312, d, "evaluate"),
		item("evaluate", mlv1alpha1.ArtifactOutput, "metrics", "", 0, "", "evaluate"),
	}}
}

func TestPrintList(t *testing.T) {
	for name, wide := range map[string]bool{"list": false, "list-wide": true} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := PrintList(&out, list(), wide); err != nil {
				t.Fatal(err)
			}
			cmdtest.Golden(t, name, out.String())
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1024: "1KiB", 1536: "1.5KiB", 25 << 20: "25MiB", 3 << 30: "3GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestGetRequest(t *testing.T) {
	c, err := rest.RESTClientFor(&rest.Config{
		Host: "https://example.invalid", APIPath: "/apis",
		ContentConfig: rest.ContentConfig{GroupVersion: &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"}, NegotiatedSerializer: scheme.Codecs.WithoutConversion()},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := &getOptions{client: c, target: util.Target{Resource: "pipelineruns", Namespace: "team-a", Name: "train-eval-1"}, path: "evaluate/report"}
	want := "/apis/ml.example.io/v1alpha1/namespaces/team-a/pipelineruns/train-eval-1/artifacts/evaluate/report"
	if got := o.request().URL().Path; got != want {
		t.Errorf("GET %s, want %s", got, want)
	}
}
