package artifacts3

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore/s3test"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

const bucket = "ml-artifacts"

func TestArtifactsPipelineOnS3(t *testing.T) {
	s3 := s3test.Start(t, s3test.Options{AccessKeyID: "ml", SecretAccessKey: "ml-secret-key"})
	s3.MakeBucket(t, bucket)
	creds := filepath.Join(t.TempDir(), "s3-credentials")
	if err := os.WriteFile(creds, []byte("accessKeyID=ml\nsecretAccessKey=ml-secret-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	server := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.Artifacts.Store = "s3"
		o.Artifacts.S3Endpoint = "http://" + s3.Endpoint
		o.Artifacts.S3Bucket = bucket
		o.Artifacts.S3Prefix = "team"
		o.Artifacts.S3CredentialsFile = creds
	})
	ctx := context.Background()
	ns := framework.NewNamespace(t)

	data, err := os.ReadFile("../../../artifacts/examples/local/9-pipeline-artifacts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	pl, run := &mlv1alpha1.Pipeline{}, &mlv1alpha1.PipelineRun{}
	if err := yaml.UnmarshalStrict([]byte(docs[0]), pl); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), run); err != nil {
		t.Fatal(err)
	}
	pl.Namespace, run.Namespace = ns, ns
	client := server.Clientset().MlV1alpha1()
	if _, err := client.Pipelines(ns).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created, err := client.PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var done *mlv1alpha1.PipelineRun
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		r, err := client.PipelineRuns(ns).Get(ctx, run.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		done = r
		return r.Status.Phase == mlv1alpha1.PipelineRunSucceeded || r.Status.Phase == mlv1alpha1.PipelineRunFailed, nil
	})
	if err != nil || done.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("run: %v; status %+v", err, done.Status)
	}
	outputs := map[string]string{}
	var digest string
	for _, task := range done.Status.Tasks {
		for _, o := range task.Outputs {
			outputs[o.Name] = o.Value
		}
		if task.Name == "prepare" && task.Artifacts != nil && len(task.Artifacts.Outputs) == 1 {
			r := task.Artifacts.Outputs[0]
			digest = r.Digest
			want := "s3://" + bucket + "/team/" + ns + "/pipelineruns/" + run.Name + "/" + string(created.UID) + "/prepare/dataset"
			if r.URI != want {
				t.Errorf("dataset URI %s, want %s", r.URI, want)
			}
		}
	}
	if digest == "" || "sha256:"+outputs["dataset-sha256"] != digest {
		t.Errorf("train read a dataset of sha256 %s, prepare wrote %s", outputs["dataset-sha256"], digest)
	}

	mc, err := s3.Client()
	if err != nil {
		t.Fatal(err)
	}
	prefix := "team/" + ns + "/pipelineruns/" + run.Name + "/" + string(created.UID) + "/"
	list := func() []string {
		var keys []string
		for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err == nil {
				keys = append(keys, strings.TrimPrefix(o.Key, prefix))
			}
		}
		return keys
	}
	keys := strings.Join(list(), " ")
	for _, want := range []string{"prepare/dataset", "train/model/model.json", "train/model/README.md", "evaluate/metrics", "evaluate/report"} {
		if !strings.Contains(keys, want) {
			t.Errorf("bucket under %s holds %s, want %s among them", prefix, keys, want)
		}
	}

	if err := client.PipelineRuns(ns).Delete(ctx, run.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return len(list()) == 0, nil
	})
	if err != nil {
		t.Errorf("objects left after the run was deleted: %v", list())
	}
}
