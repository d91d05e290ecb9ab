package standalone

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// MetricsWriterGroup is the group of the client certificates standalone
// mode gives the processes of an object, to push metrics to it.
const MetricsWriterGroup = "ml.example.io:metrics-writers"

// MetricsWriterUser is the user of the certificate of the processes of
// the object name of resource in namespace.
func MetricsWriterUser(namespace, resource, name string) string {
	return strings.Join([]string{"ml.example.io:metrics-writer", namespace, resource, name}, ":")
}

// MetricsWriterAuthorizer allows a metrics writer exactly one thing: to
// create the metrics of the object its certificate names. It has no
// opinion on anyone else.
var MetricsWriterAuthorizer authorizer.Authorizer = authorizer.AuthorizerFunc(authorizeMetricsWriter)

func authorizeMetricsWriter(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	u := a.GetUser()
	if u == nil || !contains(u.GetGroups(), MetricsWriterGroup) {
		return authorizer.DecisionNoOpinion, "", nil
	}
	want := MetricsWriterUser(a.GetNamespace(), a.GetResource(), a.GetName())
	if a.IsResourceRequest() && a.GetAPIGroup() == "ml.example.io" && a.GetSubresource() == "metrics" &&
		a.GetVerb() == "create" && u.GetName() == want {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionDeny, fmt.Sprintf("%s may only create the metrics of its own object", u.GetName()), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
