package protobuf

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// contentTypes records the media type of every response a client got.
type contentTypes struct {
	mu   sync.Mutex
	seen map[string][]string // media type -> "METHOD path"
}

func (c *contentTypes) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil {
			mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			c.mu.Lock()
			c.seen[mediaType] = append(c.seen[mediaType], req.Method+" "+req.URL.Path)
			c.mu.Unlock()
		}
		return resp, err
	})
}

func (c *contentTypes) get() map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]string{}
	for k, v := range c.seen {
		out[k] = append([]string(nil), v...)
	}
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// protobufOnly is the server's admin configuration asking for protobuf
// and nothing else, so that a JSON answer fails instead of being decoded.
func protobufOnly(server *framework.TestServer, seen *contentTypes) *rest.Config {
	cfg := rest.CopyConfig(server.ClientConfig)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf
	cfg.Wrap(seen.wrap)
	return cfg
}

// TestProtobufClientAndKubectlShareObjects creates, gets, lists and
// watches TrainingJobs with a clientset that speaks only protobuf, and
// with kubectl (JSON) on the same objects; then the status, scale and
// metrics subresources and the metadata-only client (as the garbage
// collector and the namespace controller use it) in protobuf.
func TestProtobufClientAndKubectlShareObjects(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	ctx := t.Context()
	server := framework.StartTestServer(t)
	ns := framework.NewNamespace(t)
	seen := &contentTypes{seen: map[string][]string{}}
	cs, err := mlclientset.NewForConfig(protobufOnly(server, seen))
	if err != nil {
		t.Fatal(err)
	}
	jobs := cs.MlV1alpha1().TrainingJobs(ns)

	w, err := jobs.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("protobuf watch: %v", err)
	}
	defer w.Stop()

	fromProto, err := jobs.Create(ctx, mltesting.NewTrainingJob("from-protobuf", ns).Replicas(2).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("protobuf create: %v", err)
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, kubectl, append(args, "--kubeconfig", server.Kubeconfig, "-n", ns)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
		return out.String()
	}
	run(`apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata:
  name: from-kubectl
spec:
  image: python:3.12
  command: [python, train.py]
  replicas: 3
  elastic:
    minReplicas: 1
    maxReplicas: 4
`, "create", "-f", "-")

	// Each client reads the other's object.
	fromKubectl, err := jobs.Get(ctx, "from-kubectl", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("protobuf get of kubectl's job: %v", err)
	}
	if r := fromKubectl.Spec.Replicas; r == nil || *r != 3 || fromKubectl.Spec.Image != "python:3.12" {
		t.Errorf("kubectl's job read with protobuf: replicas %v, image %q", r, fromKubectl.Spec.Image)
	}
	var viaKubectl mlv1alpha1.TrainingJob
	if err := json.Unmarshal([]byte(run("", "get", "trainingjob", "from-protobuf", "-o", "json")), &viaKubectl); err != nil {
		t.Fatal(err)
	}
	if viaKubectl.UID != fromProto.UID || viaKubectl.ResourceVersion != fromProto.ResourceVersion || *viaKubectl.Spec.Replicas != 2 {
		t.Errorf("protobuf-created job read by kubectl: uid %s rv %s, want uid %s rv %s", viaKubectl.UID, viaKubectl.ResourceVersion, fromProto.UID, fromProto.ResourceVersion)
	}
	if out := run("", "get", "trainingjobs", "-o", "name"); out != "trainingjob.ml.example.io/from-kubectl\ntrainingjob.ml.example.io/from-protobuf\n" {
		t.Errorf("kubectl get trainingjobs -o name:\n%s", out)
	}

	list, err := jobs.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("protobuf list: %v", err)
	}
	if len(list.Items) != 2 || list.Items[0].Name != "from-kubectl" || list.Items[1].Name != "from-protobuf" {
		t.Errorf("protobuf list: %d items %v", len(list.Items), list.Items)
	}

	// The watch (protobuf stream) saw both creates.
	added := map[string]string{}
	timeout := time.After(30 * time.Second)
	for len(added) < 2 {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("protobuf watch closed after %v", added)
			}
			if ev.Type != watch.Added {
				t.Fatalf("protobuf watch: %s %#v", ev.Type, ev.Object)
			}
			job := ev.Object.(*mlv1alpha1.TrainingJob)
			added[job.Name] = string(job.UID)
		case <-timeout:
			t.Fatalf("protobuf watch saw only %v", added)
		}
	}
	if added["from-protobuf"] != string(fromProto.UID) || added["from-kubectl"] != string(fromKubectl.UID) {
		t.Errorf("protobuf watch saw %v", added)
	}

	// Subresources in protobuf: status, scale, metrics.
	fromProto.Status.Phase = mlv1alpha1.TrainingJobRunning
	if _, err := jobs.UpdateStatus(ctx, fromProto, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("protobuf status update: %v", err)
	}
	if phase := run("", "get", "trainingjob", "from-protobuf", "-o", "jsonpath={.status.phase}"); phase != string(mlv1alpha1.TrainingJobRunning) {
		t.Errorf("kubectl reads phase %q after a protobuf status update", phase)
	}
	scale, err := jobs.GetScale(ctx, "from-kubectl", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("protobuf get scale: %v", err)
	}
	scale.Spec.Replicas = 1
	if _, err := jobs.UpdateScale(ctx, "from-kubectl", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("protobuf update scale: %v", err)
	}
	if r := run("", "get", "trainingjob", "from-kubectl", "-o", "jsonpath={.spec.replicas}"); r != "1" {
		t.Errorf("kubectl reads replicas %q after a protobuf scale update", r)
	}
	var metrics mlv1alpha1.Metrics
	if err := cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("from-protobuf").SubResource("metrics").Do(ctx).Into(&metrics); err != nil {
		t.Fatalf("protobuf get metrics: %v", err)
	}

	// Metadata only, as the garbage collector lists.
	mc, err := metadata.NewForConfig(protobufOnly(server, seen))
	if err != nil {
		t.Fatal(err)
	}
	partial, err := mc.Resource(mlv1alpha1.SchemeGroupVersion.WithResource("trainingjobs")).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("metadata list in protobuf: %v", err)
	}
	if len(partial.Items) != 2 {
		t.Errorf("metadata list: %d items", len(partial.Items))
	}

	// Every answer was protobuf, but the metrics subresource's: its GET
	// streams a JSON Metrics object series by series (bounded memory),
	// which client-go decodes by its Content-Type, as it does for the
	// text/plain log.
	got := seen.get()
	for mediaType, requests := range got {
		if mediaType == runtime.ContentTypeProtobuf {
			continue
		}
		for _, r := range requests {
			if mediaType != runtime.ContentTypeJSON || !strings.HasSuffix(r, "/metrics") {
				t.Errorf("the protobuf clients got %s answers to %v", mediaType, r)
			}
		}
	}
	if len(got[runtime.ContentTypeProtobuf]) < 8 {
		t.Errorf("protobuf answers: %v", got[runtime.ContentTypeProtobuf])
	}
}

// TestClientsetPrefersProtobuf checks that the generated clientset speaks
// protobuf when its configuration names no content type, as client-go's
// does for the built-in types, and JSON when it asks for JSON.
func TestClientsetPrefersProtobuf(t *testing.T) {
	ctx := t.Context()
	server := framework.StartTestServer(t)
	ns := framework.NewNamespace(t)
	for _, tc := range []struct {
		contentType string
		want        string
	}{
		{"", runtime.ContentTypeProtobuf},
		{runtime.ContentTypeJSON, runtime.ContentTypeJSON},
	} {
		t.Run("content type "+tc.contentType, func(t *testing.T) {
			seen := &contentTypes{seen: map[string][]string{}}
			cfg := rest.CopyConfig(server.ClientConfig)
			cfg.ContentType = tc.contentType
			cfg.Wrap(seen.wrap)
			cs, err := mlclientset.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			jobs := cs.MlV1alpha1().TrainingJobs(ns)
			name := "job-" + strings.ReplaceAll(strings.TrimPrefix(tc.want, "application/"), ".", "-")
			if _, err := jobs.Create(ctx, mltesting.NewTrainingJob(name, ns).Obj(), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create: %v", err)
			}
			if _, err := jobs.Get(ctx, name, metav1.GetOptions{}); err != nil {
				t.Fatalf("get: %v", err)
			}
			if _, err := jobs.List(ctx, metav1.ListOptions{}); err != nil {
				t.Fatalf("list: %v", err)
			}
			if _, err := jobs.GetScale(ctx, name, metav1.GetOptions{}); err != nil {
				t.Fatalf("get scale: %v", err)
			}
			got := seen.get()
			if len(got) != 1 || len(got[tc.want]) != 4 {
				t.Errorf("answers by media type: %v, want 4 of %s", got, tc.want)
			}
		})
	}
}
