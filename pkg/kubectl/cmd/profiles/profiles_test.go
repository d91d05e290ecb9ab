package profiles

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/scheme"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func profile(name string, owner rbacv1.Subject, phase mlv1alpha1.ProfilePhase, contributors ...mlv1alpha1.Contributor) mlv1alpha1.Profile {
	return mlv1alpha1.Profile{
		ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "7", CreationTimestamp: metav1.NewTime(now.Add(-49 * time.Hour))},
		Spec:       mlv1alpha1.ProfileSpec{Owner: owner, Contributors: contributors},
		Status:     mlv1alpha1.ProfileStatus{Phase: phase},
	}
}

// fake is an API server with profiles, profiles/members and
// selfsubjectreviews; it records the members it is sent.
type fake struct {
	mu         sync.Mutex
	profiles   []mlv1alpha1.Profile
	username   string
	groups     []string
	conflicts  int // PUTs of members answered 409 first
	gets, puts int
	written    []mlv1alpha1.Contributor
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	reply := func(code int, v any) {
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	const prefix = "/apis/ml.example.io/v1alpha1/profiles"
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
		reply(201, map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
			"status": map[string]any{"userInfo": map[string]any{"username": f.username, "groups": f.groups}}})
	case r.Method == http.MethodGet && r.URL.Path == prefix:
		reply(200, mlv1alpha1.ProfileList{TypeMeta: metav1.TypeMeta{APIVersion: "ml.example.io/v1alpha1", Kind: "ProfileList"}, Items: f.profiles})
	case strings.HasPrefix(r.URL.Path, prefix+"/") && strings.HasSuffix(r.URL.Path, "/members"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix+"/"), "/members")
		i := -1
		for j := range f.profiles {
			if f.profiles[j].Name == name {
				i = j
			}
		}
		if i < 0 {
			reply(404, metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: metav1.StatusReasonNotFound, Code: 404,
				Message: `profiles.ml.example.io "` + name + `" not found`, Details: &metav1.StatusDetails{Name: name, Group: "ml.example.io", Kind: "profiles"}})
			return
		}
		if r.Method == http.MethodGet {
			f.gets++
			reply(200, f.profiles[i])
			return
		}
		f.puts++
		if r.URL.Query().Get("fieldManager") != FieldManager {
			reply(400, metav1.Status{Status: "Failure", Code: 400, Message: "no field manager"})
			return
		}
		if f.conflicts > 0 {
			f.conflicts--
			reply(409, metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: metav1.StatusReasonConflict, Code: 409,
				Message: "the object has been modified; please apply your changes to the latest version and try again"})
			return
		}
		var p mlv1alpha1.Profile
		body, _ := io.ReadAll(r.Body)
		// The clientset sends protobuf unless told otherwise.
		if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, &p); err != nil {
			reply(400, metav1.Status{Status: "Failure", Code: 400, Message: err.Error()})
			return
		}
		f.written = p.Spec.Contributors
		f.profiles[i].Spec.Contributors = p.Spec.Contributors
		reply(200, f.profiles[i])
	default:
		reply(404, metav1.Status{Status: "Failure", Code: 404, Message: "no route " + r.Method + " " + r.URL.Path})
	}
}

// start serves f and returns the clients the commands use.
func (f *fake) start(t *testing.T) (mlclient.MlV1alpha1Interface, kubernetes.Interface) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	config := &rest.Config{Host: srv.URL}
	ml, err := mlclient.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	core, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	return ml, core
}

func team() []mlv1alpha1.Profile {
	return []mlv1alpha1.Profile{
		profile("vision", user("alice"), mlv1alpha1.ProfileReady,
			mlv1alpha1.Contributor{Subject: user("bob"), Role: mlv1alpha1.ContributorRoleEdit},
			mlv1alpha1.Contributor{Subject: group("ml-auditors"), Role: mlv1alpha1.ContributorRoleView}),
		profile("speech", group("speech-team"), "",
			mlv1alpha1.Contributor{Subject: group("ml-auditors"), Role: mlv1alpha1.ContributorRoleView},
			mlv1alpha1.Contributor{Subject: user("bob"), Role: mlv1alpha1.ContributorRoleAdmin}),
		profile("ci", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "deployer"}, mlv1alpha1.ProfileFailed),
	}
}

// TestList prints the profiles with the caller's role, as kubectl get
// prints a list, and -o name.
func TestList(t *testing.T) {
	cases := []struct {
		name, output, username string
		groups                 []string
	}{
		{name: "list-alice", username: "alice", groups: []string{"system:authenticated"}},
		{name: "list-bob-auditor", username: "bob", groups: []string{"ml-auditors", "speech-team"}},
		{name: "list-serviceaccount", username: "system:serviceaccount:ci:deployer", groups: []string{"system:serviceaccounts"}},
		{name: "list-name", output: "name", username: "alice"},
		{name: "list-json", output: "json", username: "alice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{profiles: team(), username: tc.username, groups: tc.groups}
			ml, core := f.start(t)
			var out, errOut bytes.Buffer
			o := &Options{
				PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(scheme.Scheme),
				Now:        func() time.Time { return now },
				client:     ml, whoami: whoamiWith(core),
				IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut},
			}
			o.PrintFlags.OutputFormat = &tc.output
			if err := o.Run(t.Context()); err != nil {
				t.Fatal(err)
			}
			cmdtest.Golden(t, tc.name, out.String()+errOut.String())
		})
	}
}

// TestListEmpty says so on stderr, as kubectl get does.
func TestListEmpty(t *testing.T) {
	f := &fake{username: "carol"}
	ml, core := f.start(t)
	var out, errOut bytes.Buffer
	empty := ""
	o := &Options{PrintFlags: genericclioptions.NewPrintFlags(""), Now: time.Now, client: ml, whoami: whoamiWith(core),
		IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}}
	o.PrintFlags.OutputFormat = &empty
	if err := o.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" || errOut.String() != "No profiles found.\n" {
		t.Errorf("stdout %q stderr %q, want only No profiles found.", out.String(), errOut.String())
	}
}

// TestMembers adds and removes contributors through profiles/members, with
// a retry on conflict, and refuses what cannot be done.
func TestMembers(t *testing.T) {
	cases := []struct {
		name                       string
		add                        bool
		user, group, sa, role, prf string
		conflicts                  int
		wantOut, wantErr           string
		want                       []mlv1alpha1.Contributor
	}{
		{
			name: "add user", add: true, user: "carol", role: "edit", prf: "vision", conflicts: 2,
			wantOut: "profile.ml.example.io/vision contributor user:carol added (edit)\n",
			want:    append(team()[0].Spec.Contributors, mlv1alpha1.Contributor{Subject: user("carol"), Role: mlv1alpha1.ContributorRoleEdit}),
		},
		{
			name: "add serviceaccount", add: true, sa: "ci:deployer", role: "admin", prf: "vision",
			wantOut: "profile.ml.example.io/vision contributor serviceaccount:ci:deployer added (admin)\n",
			want: append(team()[0].Spec.Contributors, mlv1alpha1.Contributor{
				Subject: rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "deployer"}, Role: mlv1alpha1.ContributorRoleAdmin}),
		},
		{
			name: "remove group", group: "ml-auditors", prf: "vision",
			wantOut: "profile.ml.example.io/vision contributor group:ml-auditors removed\n",
			want:    team()[0].Spec.Contributors[:1],
		},
		{name: "already there", add: true, user: "bob", role: "edit", prf: "vision", wantErr: `user:bob is already a contributor of profile "vision" (edit)`},
		{name: "other role", add: true, user: "bob", role: "view", prf: "vision",
			wantErr: `user:bob is already a contributor of profile "vision" (edit): remove-contributor first to change the role to view`},
		{name: "owner", add: true, user: "alice", role: "view", prf: "vision", wantErr: `user:alice is the owner of profile "vision", who is admin already`},
		{name: "not a contributor", user: "carol", prf: "vision", wantErr: `user:carol is not a contributor of profile "vision"`},
		{name: "no profile", add: true, user: "carol", role: "edit", prf: "nope", wantErr: `profiles.ml.example.io "nope" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{profiles: team(), conflicts: tc.conflicts}
			ml, _ := f.start(t)
			var out bytes.Buffer
			o := &MemberOptions{Add: tc.add, User: tc.user, Group: tc.group, ServiceAccount: tc.sa, Role: tc.role,
				client: ml, IOStreams: genericiooptions.IOStreams{Out: &out}}
			if err := o.Validate([]string{tc.prf}); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			err := o.Run(t.Context())
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if f.puts != 0 {
					t.Errorf("%d writes, want none", f.puts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, f.written); diff != "" {
				t.Errorf("contributors written (-want +got):\n%s", diff)
			}
			if f.gets != tc.conflicts+1 || f.puts != tc.conflicts+1 {
				t.Errorf("%d reads and %d writes of members, want %d of each (one more than the conflicts)", f.gets, f.puts, tc.conflicts+1)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoleOf(t *testing.T) {
	p := team()[1] // owned by group speech-team; ml-auditors view, bob admin
	for _, tc := range []struct {
		id   Identity
		want string
	}{
		{Identity{User: "bob", Groups: []string{"ml-auditors"}}, "admin"},
		{Identity{User: "carol", Groups: []string{"ml-auditors"}}, "view"},
		{Identity{User: "dave", Groups: []string{"speech-team"}}, "owner"},
		{Identity{User: "eve"}, ""},
	} {
		if got := RoleOf(&p, tc.id); got != tc.want {
			t.Errorf("RoleOf(%+v) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
