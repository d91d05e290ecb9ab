package standalone

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

func TestMetricsWriterAuthorizer(t *testing.T) {
	// The objects the server stores: ns/a has uid-2 (it replaced an
	// object a of uid-1), ns/b has uid-b.
	objects := map[string]types.UID{"ns/a": "uid-2", "ns/b": "uid-b"}
	lookup := func(_ context.Context, resource, namespace, name string) (types.UID, error) {
		if uid, ok := objects[namespace+"/"+name]; ok && resource == "trainingjobs" {
			return uid, nil
		}
		return "", apierrors.NewNotFound(schema.GroupResource{Group: "ml.example.io", Resource: resource}, name)
	}
	writerOf := func(name string, uid types.UID) user.Info {
		return &user.DefaultInfo{Name: MetricsWriterUser("ns", "trainingjobs", name, uid), Groups: []string{MetricsWriterGroup}}
	}
	writer := writerOf("a", "uid-2")
	attrs := func(u user.Info, verb, ns, name, sub string) authorizer.Attributes {
		return authorizer.AttributesRecord{User: u, Verb: verb, Namespace: ns, APIGroup: "ml.example.io",
			Resource: "trainingjobs", Subresource: sub, Name: name, ResourceRequest: true}
	}
	cases := []struct {
		name   string
		a      authorizer.Attributes
		want   authorizer.Decision
		reason string
	}{
		{"its own metrics", attrs(writer, "create", "ns", "a", "metrics"), authorizer.DecisionAllow, ""},
		{"another job's metrics", attrs(writer, "create", "ns", "b", "metrics"), authorizer.DecisionDeny, "only create the metrics of its own object"},
		{"another namespace", attrs(writer, "create", "other", "a", "metrics"), authorizer.DecisionDeny, "its own object"},
		{"reading", attrs(writer, "get", "ns", "a", "metrics"), authorizer.DecisionDeny, "its own object"},
		{"the job itself", attrs(writer, "get", "ns", "a", ""), authorizer.DecisionDeny, "its own object"},
		{"an earlier object of the same name", attrs(writerOf("a", "uid-1"), "create", "ns", "a", "metrics"), authorizer.DecisionDeny,
			"issued for trainingjobs ns/a with uid uid-1, which was deleted; the object of that name now has uid uid-2"},
		{"a deleted object", attrs(writerOf("gone", "uid-g"), "create", "ns", "gone", "metrics"), authorizer.DecisionDeny,
			"trainingjobs ns/gone (uid uid-g) no longer exists"},
		{"a certificate without a UID", attrs(&user.DefaultInfo{Name: "ml.example.io:metrics-writer:ns:trainingjobs:a", Groups: []string{MetricsWriterGroup}},
			"create", "ns", "a", "metrics"), authorizer.DecisionDeny, "names no object UID"},
		{"the admin", attrs(&user.DefaultInfo{Name: "admin", Groups: []string{"system:masters"}}, "create", "ns", "a", "metrics"), authorizer.DecisionNoOpinion, ""},
	}
	a := NewMetricsWriterAuthorizer()
	a.SetOwnerLookup(lookup)
	for _, tc := range cases {
		got, reason, err := a.Authorize(context.Background(), tc.a)
		if err != nil || got != tc.want || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s: %v %q, %v; want %v with a reason containing %q", tc.name, got, reason, err, tc.want, tc.reason)
		}
	}
}

// Until the server's storage is there, no metrics writer is allowed.
func TestMetricsWriterAuthorizerWithoutObjects(t *testing.T) {
	a := NewMetricsWriterAuthorizer()
	u := &user.DefaultInfo{Name: MetricsWriterUser("ns", "trainingjobs", "a", "uid-1"), Groups: []string{MetricsWriterGroup}}
	got, reason, _ := a.Authorize(context.Background(), authorizer.AttributesRecord{User: u, Verb: "create", Namespace: "ns",
		APIGroup: "ml.example.io", Resource: "trainingjobs", Subresource: "metrics", Name: "a", ResourceRequest: true})
	if got != authorizer.DecisionDeny {
		t.Errorf("got %v (%s), want deny", got, reason)
	}
}

// The object a write goes to is checked again: it may have been replaced
// after the authorizer looked.
func TestMetricsWriterCheckWriter(t *testing.T) {
	a := NewMetricsWriterAuthorizer()
	owner := &metav1.ObjectMeta{Namespace: "ns", Name: "a", UID: "uid-2"}
	writer := func(uid types.UID) context.Context {
		return genericapirequest.WithUser(context.Background(),
			&user.DefaultInfo{Name: MetricsWriterUser("ns", "trainingjobs", "a", uid), Groups: []string{MetricsWriterGroup}})
	}
	if err := a.CheckWriter(writer("uid-2"), "TrainingJob", owner); err != nil {
		t.Errorf("the object's own writer: %v", err)
	}
	if err := a.CheckWriter(writer("uid-1"), "TrainingJob", owner); !apierrors.IsForbidden(err) {
		t.Errorf("the writer of an earlier object of the same name: %v, want 403", err)
	}
	admin := genericapirequest.WithUser(context.Background(), &user.DefaultInfo{Name: "admin", Groups: []string{"system:masters"}})
	if err := a.CheckWriter(admin, "TrainingJob", owner); err != nil {
		t.Errorf("the admin: %v", err)
	}
}
