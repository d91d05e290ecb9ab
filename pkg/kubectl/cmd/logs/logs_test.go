package logs

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

func fakeClient(t *testing.T) rest.Interface {
	t.Helper()
	c, err := rest.RESTClientFor(&rest.Config{
		Host:    "https://example.invalid",
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

func TestRequest(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{
			name: "defaults ask for everything once",
			o:    Options{Replica: -1, Tail: -1},
			want: "/apis/ml.example.io/v1alpha1/namespaces/team-a/trainingjobs/mnist/log",
		},
		{
			name: "every option",
			o: Options{Follow: true, Replica: 2, Container: "trainer", Previous: true, Tail: 20,
				Since: 90*time.Second + time.Millisecond, Timestamps: true, LimitBytes: 4096},
			want: "/apis/ml.example.io/v1alpha1/namespaces/team-a/trainingjobs/mnist/log?container=trainer&follow=true&limitBytes=4096&previous=true&replica=2&sinceSeconds=91&tailLines=20&timestamps=true",
		},
		{
			name: "a replica of a role",
			o:    Options{Role: "worker", Replica: 1, Tail: -1},
			want: "/apis/ml.example.io/v1alpha1/namespaces/team-a/trainingjobs/mnist/log?replica=worker-1",
		},
		{
			name: "every replica of a role",
			o:    Options{Role: "ps", Replica: -1, Tail: -1},
			want: "/apis/ml.example.io/v1alpha1/namespaces/team-a/trainingjobs/mnist/log?replica=ps",
		},
		{
			name: "tail 0 is sent",
			o:    Options{Replica: -1, Tail: 0},
			want: "/apis/ml.example.io/v1alpha1/namespaces/team-a/trainingjobs/mnist/log?tailLines=0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.client = fakeClient(t)
			tc.o.target = util.Target{Resource: "trainingjobs", Namespace: "team-a", Name: "mnist"}
			if err := tc.o.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got := tc.o.Request().URL()
			if s := got.Path + queryOf(got); s != tc.want {
				t.Errorf("request\n got %s\nwant %s", s, tc.want)
			}
		})
	}
}

func queryOf(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.Query().Encode()
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name     string
		resource string
		o        Options
		want     string
	}{
		{"replica and task", "pipelineruns", Options{Replica: 0, Task: "train", Tail: -1}, "cannot be used together"},
		{"task of a job", "trainingjobs", Options{Replica: -1, Task: "train", Tail: -1}, "--task is for pipelineruns"},
		{"replica of a notebook", "notebooks", Options{Replica: 0, Tail: -1}, "--replica is for trainingjobs and models"},
		{"negative replica", "trainingjobs", Options{Replica: -2, Tail: -1}, "--replica must be 0 or more"},
		{"negative tail", "trainingjobs", Options{Replica: -1, Tail: -5}, "--tail"},
		{"negative since", "trainingjobs", Options{Replica: -1, Tail: -1, Since: -time.Second}, "--since"},
		{"negative limit", "trainingjobs", Options{Replica: -1, Tail: -1, LimitBytes: -1}, "--limit-bytes"},
		{"task of a run", "pipelineruns", Options{Replica: -1, Task: "train-2", Tail: -1}, ""},
		{"replica of a model", "models", Options{Replica: 1, Tail: -1}, ""},
		{"role of a model", "models", Options{Replica: -1, Role: "ps", Tail: -1}, "--role is for trainingjobs"},
		{"role of a job", "trainingjobs", Options{Replica: 0, Role: "chief", Tail: -1}, ""},
	}
	for _, tc := range cases {
		tc.o.target = util.Target{Resource: tc.resource, Name: "x"}
		err := tc.o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
