package standalone

import (
	"context"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

func TestMetricsWriterAuthorizer(t *testing.T) {
	writer := &user.DefaultInfo{Name: MetricsWriterUser("ns", "trainingjobs", "a"), Groups: []string{MetricsWriterGroup}}
	attrs := func(u user.Info, verb, ns, name, sub string) authorizer.Attributes {
		return authorizer.AttributesRecord{User: u, Verb: verb, Namespace: ns, APIGroup: "ml.example.io",
			Resource: "trainingjobs", Subresource: sub, Name: name, ResourceRequest: true}
	}
	cases := []struct {
		name string
		a    authorizer.Attributes
		want authorizer.Decision
	}{
		{"its own metrics", attrs(writer, "create", "ns", "a", "metrics"), authorizer.DecisionAllow},
		{"another job's metrics", attrs(writer, "create", "ns", "b", "metrics"), authorizer.DecisionDeny},
		{"another namespace", attrs(writer, "create", "other", "a", "metrics"), authorizer.DecisionDeny},
		{"reading", attrs(writer, "get", "ns", "a", "metrics"), authorizer.DecisionDeny},
		{"the job itself", attrs(writer, "get", "ns", "a", ""), authorizer.DecisionDeny},
		{"the admin", attrs(&user.DefaultInfo{Name: "admin", Groups: []string{"system:masters"}}, "create", "ns", "a", "metrics"), authorizer.DecisionNoOpinion},
	}
	for _, tc := range cases {
		got, _, err := MetricsWriterAuthorizer.Authorize(context.Background(), tc.a)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
