package retry

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// request is what the fake server saw.
type request struct {
	Method, Path, Query, Body string
}

func TestRun(t *testing.T) {
	var seen []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, request{r.Method, r.URL.Path, r.URL.RawQuery, string(body)})
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"kind":"PipelineRun","apiVersion":"ml.example.io/v1alpha1","metadata":{"name":"train-1-retry-x7k2p"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"kind":"PipelineRun","apiVersion":"ml.example.io/v1alpha1","metadata":{"name":"train-1"},`+
			`"spec":{"pipelineRef":{"name":"train"},"params":[{"name":"lr","value":"0.1"}],"parallelism":2,"failFast":true,"suspend":true},"status":{"phase":"Failed"}}`)
	}))
	t.Cleanup(srv.Close)
	c, err := rest.RESTClientFor(&rest.Config{
		Host: srv.URL, APIPath: "/apis",
		ContentConfig: rest.ContentConfig{
			GroupVersion:         &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"},
			NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := &Options{client: c, IOStreams: genericiooptions.IOStreams{Out: &out},
		target: util.Target{Resource: "pipelineruns", Namespace: "team-a", Name: "train-1"}}
	if err := o.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	path := "/apis/ml.example.io/v1alpha1/namespaces/team-a/pipelineruns"
	want := []request{
		{Method: "GET", Path: path + "/train-1"},
		{Method: "POST", Path: path, Query: "fieldManager=kubectl-ml",
			Body: `{"apiVersion":"ml.example.io/v1alpha1","kind":"PipelineRun","metadata":{"generateName":"train-1-retry-"},"spec":{"failFast":true,"parallelism":2,"retryOf":{"name":"train-1"}}}`},
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got, want := out.String(), "pipelinerun.ml.example.io/train-1-retry-x7k2p created\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
