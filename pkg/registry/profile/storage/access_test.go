package storage

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// TestMayManageMembers checks what MayManageMembers asks the authorizer:
// the server-only verb manage on profiles/members in the profile's
// namespace, which the admin role grants there, and nothing else.
func TestMayManageMembers(t *testing.T) {
	var asked []authorizer.AttributesRecord
	allow := map[string]bool{"team-a": true}
	a := Access{Authorizer: authorizer.AuthorizerFunc(func(ctx context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, authorizer.AttributesRecord{
			Verb: attrs.GetVerb(), APIGroup: attrs.GetAPIGroup(), APIVersion: attrs.GetAPIVersion(), Resource: attrs.GetResource(),
			Subresource: attrs.GetSubresource(), Namespace: attrs.GetNamespace(), Name: attrs.GetName(), ResourceRequest: attrs.IsResourceRequest(),
		})
		if attrs.GetVerb() == "manage" && attrs.GetSubresource() == "members" && allow[attrs.GetNamespace()] {
			return authorizer.DecisionAllow, "admin", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})}
	ada := &user.DefaultInfo{Name: "ada"}
	for _, tc := range []struct {
		profile string
		want    bool
	}{{"team-a", true}, {"team-b", false}} {
		asked = nil
		if got := a.MayManageMembers(context.Background(), ada, tc.profile); got != tc.want {
			t.Errorf("MayManageMembers(%s) = %v, want %v", tc.profile, got, tc.want)
		}
		want := []authorizer.AttributesRecord{{
			Verb: "manage", APIGroup: "ml.example.io", APIVersion: "*", Resource: "profiles", Subresource: "members",
			Namespace: tc.profile, Name: tc.profile, ResourceRequest: true,
		}}
		if diff := cmp.Diff(want, asked); diff != "" {
			t.Errorf("MayManageMembers(%s) asked (-want +got):\n%s", tc.profile, diff)
		}
	}
	if (Access{}).MayManageMembers(context.Background(), ada, "team-a") {
		t.Error("without an authorizer, MayManageMembers allowed")
	}
}
