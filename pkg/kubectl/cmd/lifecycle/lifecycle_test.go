package lifecycle

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
	Method, Path, Query, ContentType, Body string
}

// fakeServer answers GET with spec and records every request.
func fakeServer(t *testing.T, spec string, seen *[]request) rest.Interface {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*seen = append(*seen, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body)})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"kind":"Notebook","apiVersion":"ml.example.io/v1alpha1","metadata":{"name":"x"},"spec":`+spec+`}`)
	}))
	t.Cleanup(srv.Close)
	c, err := rest.RESTClientFor(&rest.Config{
		Host:    srv.URL,
		APIPath: "/apis",
		ContentConfig: rest.ContentConfig{
			GroupVersion:         &schema.GroupVersion{Group: "ml.example.io", Version: "v1alpha1"},
			NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func verb(name string) Verb {
	for _, v := range Verbs {
		if v.Name == name {
			return v
		}
	}
	panic(name)
}

func TestRun(t *testing.T) {
	cases := []struct {
		verb, resource, spec string
		wantPatch, wantOut   string
		wantErr              string
	}{
		{verb: "stop", resource: "notebooks", spec: `{}`, wantPatch: `{"spec":{"stopped":true}}`, wantOut: "notebook.ml.example.io/x stopped\n"},
		{verb: "start", resource: "notebooks", spec: `{"stopped":true}`, wantPatch: `{"spec":{"stopped":false}}`, wantOut: "notebook.ml.example.io/x started\n"},
		{verb: "suspend", resource: "trainingjobs", spec: `{}`, wantPatch: `{"spec":{"suspend":true}}`, wantOut: "trainingjob.ml.example.io/x suspended\n"},
		{verb: "resume", resource: "pipelineruns", spec: `{"suspend":true}`, wantPatch: `{"spec":{"suspend":false}}`, wantOut: "pipelinerun.ml.example.io/x resumed\n"},
		{verb: "cancel", resource: "pipelineruns", spec: `{}`, wantPatch: `{"spec":{"cancel":true}}`, wantOut: "pipelinerun.ml.example.io/x canceled\n"},
		{verb: "stop", resource: "notebooks", spec: `{"stopped":true}`, wantErr: `notebooks.ml.example.io "x" is already stopped`},
		{verb: "start", resource: "notebooks", spec: `{}`, wantErr: `notebooks.ml.example.io "x" is already started`},
	}
	for _, tc := range cases {
		t.Run(tc.verb+" "+tc.spec, func(t *testing.T) {
			var seen []request
			var out bytes.Buffer
			o := &Options{Verb: verb(tc.verb), IOStreams: genericiooptions.IOStreams{Out: &out}}
			o.client = fakeServer(t, tc.spec, &seen)
			o.target = util.Target{Resource: tc.resource, Namespace: "team-a", Name: "x"}
			if err := o.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			err := o.Run(t.Context())
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if len(seen) != 1 {
					t.Errorf("requests %+v, want only the GET", seen)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			path := "/apis/ml.example.io/v1alpha1/namespaces/team-a/" + tc.resource + "/x"
			want := []request{
				{Method: "GET", Path: path},
				{Method: "PATCH", Path: path, Query: "fieldManager=kubectl-ml", ContentType: "application/merge-patch+json", Body: tc.wantPatch},
			}
			if diff := cmp.Diff(want, seen); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct{ verb, resource, want string }{
		{"stop", "trainingjobs", "trainingjobs do not support stop: stop applies to notebooks"},
		{"suspend", "notebooks", "notebooks do not support suspend: suspend applies to trainingjobs and pipelineruns"},
		{"cancel", "trainingjobs", "trainingjobs do not support cancel: cancel applies to pipelineruns"},
	} {
		o := &Options{Verb: verb(tc.verb), target: util.Target{Resource: tc.resource, Name: "x"}}
		if err := o.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%s %s: %v, want %q", tc.verb, tc.resource, err, tc.want)
		}
	}
}
