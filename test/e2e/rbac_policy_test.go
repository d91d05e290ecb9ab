package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// The policy of artifacts/deploy/rbac/aggregate-to-{admin,edit,view}.yaml,
// written down once for the RBAC tests: which role may do what on every
// kind and subresource of ml.example.io in a namespace it is bound in.

// mlGroup is the API group of every kind.
const mlGroup = "ml.example.io"

// mlResource is a kind's resource and the subresources it serves.
type mlResource struct {
	resource string
	subs     []string
}

// mlResources are every kind of the group and their subresources, as
// pkg/apiserver/storage.go installs them.
var mlResources = []mlResource{
	{"pipelines", []string{"status"}},
	{"pipelineruns", []string{"status", "log", "metrics", "tasks", "artifacts"}},
	{"trainingjobs", []string{"status", "scale", "log", "metrics", "artifacts"}},
	{"models", []string{"status", "scale", "log", "metrics"}},
	{"notebooks", []string{"status", "scale", "log"}},
	{"recurringruns", []string{"status"}},
	{"tuningjobs", []string{"status"}},
	{"servingruntimes", nil},
}

// objectVerbs are the verbs of a kind's resource.
var objectVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// firstSub is the first subresource of r, "" (the object) when it has none.
func firstSub(r mlResource) string {
	if len(r.subs) == 0 {
		return ""
	}
	return r.subs[0]
}

// subresourceVerbs are the verbs each subresource serves: status and scale
// are read and written like an object, log and metrics are read (GET) and
// appended to (POST: a LogArchiveRequest, metric points).
var subresourceVerbs = map[string][]string{
	"":        objectVerbs,
	"status":  {"get", "update", "patch"},
	"scale":   {"get", "update", "patch"},
	"log":     {"get", "create"},
	"metrics": {"get", "create"},
	"tasks":   {"get", "create"},
	// artifacts are read only: the list and an artifact's content.
	"artifacts": {"get"},
}

// Roles a subject may be bound to in a namespace; roleNone is no binding.
const (
	roleAdmin = "admin"
	roleEdit  = "edit"
	roleView  = "view"
	roleNone  = ""
)

// mayDo says whether role, bound in the namespace, allows verb on the
// subresource sub ("" for the object) of any kind: view reads everything,
// edit and admin also write objects and scale and append logs and metrics,
// and nobody but the controllers writes status.
func mayDo(role, sub, verb string) bool {
	read := verb == "get" || (sub == "" && (verb == "list" || verb == "watch"))
	switch role {
	case roleView:
		return read
	case roleEdit, roleAdmin:
		// The instances of forEach tasks are written by the controller
		// only, as status is.
		return (sub != "status" && sub != "tasks") || read
	}
	return false
}

// rbacSubject is a user bound to role in namespace A of a test (and to
// nothing in B).
type rbacSubject struct {
	user string
	role string
}

// rbacSubjects are one user per role. The names are the RBAC tests' own;
// bindings are namespaced, so the tests do not see each other's.
var rbacSubjects = []rbacSubject{
	{"ada", roleAdmin},
	{alice, roleEdit},
	{victor, roleView},
	{nobody, roleNone},
}

// bindSubjects binds every subject with a role to that ClusterRole in ns
// and waits until kube-apiserver's authorizer (which ml-apiserver asks with
// SubjectAccessReviews) grants each its role's reads.
func bindSubjects(ctx context.Context, t *testing.T, kube kubernetes.Interface, ns string) {
	t.Helper()
	for _, s := range rbacSubjects {
		if s.role == roleNone {
			continue
		}
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: s.user + "-" + s.role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: s.role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: s.user}},
		}
		if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create RoleBinding %s: %v", rb.Name, err)
		}
	}
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		for _, s := range rbacSubjects {
			if s.role == roleNone {
				continue
			}
			for _, r := range mlResources {
				if ok, err := subjectAccess(ctx, kube, s.user, ns, r.resource, firstSub(r), "get"); err != nil || !ok {
					return false, nil
				}
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the RoleBindings in %s did not take effect: %v", ns, err)
	}
}

// subjectAccess asks kube-apiserver whether user may do verb on
// resource/sub in ns, as ml-apiserver's delegated authorizer asks.
func subjectAccess(ctx context.Context, kube kubernetes.Interface, user, ns, resource, sub, verb string) (bool, error) {
	sar, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: []string{"system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: verb, Group: mlGroup, Resource: resource, Subresource: sub,
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("SubjectAccessReview of %s %s %s/%s in %s: %w", user, verb, resource, sub, ns, err)
	}
	return sar.Status.Allowed, nil
}

// accessRule is one line of `kubectl auth can-i --list`: resource (with
// its group, and /subresource) and verbs; lines with resource names grant
// nothing on the whole resource and are left out.
type accessRule struct {
	resource, group, sub string
	verbs                []string
}

// canIListLine is a resource line of `kubectl auth can-i --list`:
// RESOURCE [NON-RESOURCE-URLS] [RESOURCE-NAMES] [VERBS]. Lines of
// non-resource URLs start with blanks.
var canIListLine = regexp.MustCompile(`^(\S+)\s+\[([^]]*)\]\s+\[([^]]*)\]\s+\[([^]]*)\]\s*$`)

// canIList runs `kubectl auth can-i --list --as user -n ns` and parses its
// table.
func canIList(t *testing.T, k framework.Kubectl, user, ns string) []accessRule {
	t.Helper()
	out := k.MustRun(t, "auth", "can-i", "--list", "--as", user, "-n", ns)
	var rules []accessRule
	for _, line := range strings.Split(out, "\n") {
		m := canIListLine.FindStringSubmatch(line)
		if m == nil || m[1] == "Resources" || strings.TrimSpace(m[3]) != "" {
			continue
		}
		full, sub, _ := strings.Cut(m[1], "/")
		resource, group, _ := strings.Cut(full, ".")
		rules = append(rules, accessRule{resource: resource, group: group, sub: sub, verbs: strings.Fields(m[4])})
	}
	if len(rules) == 0 {
		t.Fatalf("kubectl auth can-i --list --as %s -n %s: no rule parsed from:\n%s", user, ns, out)
	}
	return rules
}

// allows says whether rules grant verb on resource/sub of the group, with
// RBAC's wildcards: "*" for every resource and subresource, "*/sub" and
// "resource/*".
func allows(rules []accessRule, resource, sub, verb string) bool {
	for _, r := range rules {
		if r.group != mlGroup && r.group != "*" {
			continue
		}
		if !slices.Contains(r.verbs, verb) && !slices.Contains(r.verbs, "*") {
			continue
		}
		switch {
		case r.resource == "*" && r.sub == "":
			return true
		case r.resource != "*" && r.resource != resource:
			continue
		case r.sub == sub || (sub != "" && r.sub == "*"):
			return true
		}
	}
	return false
}

// serverVerbs are verbs no request carries, which ml-apiserver asks the
// authorizer for itself (like escalate or bind), with the role that holds
// each in a namespace it is bound in: manage on profiles/members lets the
// admins of a profile's namespace change its contributors.
var serverVerbs = []struct{ resource, sub, verb, role string }{
	{"profiles", "members", "manage", roleAdmin},
}

// serverVerbCases are the cases of serverVerbs for one subject in one
// namespace; they are asked of the authorizer only (there is no request
// to make).
func serverVerbCases(s rbacSubject, nsKey string) []rbacCase {
	var cases []rbacCase
	for _, v := range serverVerbs {
		cases = append(cases, rbacCase{
			user: s.user, ns: nsKey, resource: v.resource, verb: v.verb, sub: v.sub,
			allowed: nsKey == "A" && s.role == v.role,
		})
	}
	return cases
}
