package profilerequest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	profilestorage "ml.example.io/ml-apiserver/pkg/registry/profile/storage"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

const template = `
resourceQuota:
  hard:
    requests.nvidia.com/gpu: "4"
podSecurity: restricted
contributors:
- subject: {kind: Group, name: ml-auditors}
  role: view
- subject: {kind: User, name: alice}
  role: edit
`

func newREST(t *testing.T, maxPerUser int) (*REST, profilestorage.ProfileStorage) {
	t.Helper()
	profiles, err := profilestorage.NewStorage(registrytest.NewStorageOptions(t, "profiles", generic.UndecoratedStorage), profilestorage.Access{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(profiles.Profile.Destroy)
	tmpl := func(ctx context.Context) (*ml.ProfileSpec, error) { return DecodeTemplate(template, scheme.Scheme) }
	return NewREST(profiles.Profile.Store, tmpl, maxPerUser), profiles
}

func as(name string, groups ...string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), "")
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: groups})
}

func request(name string) *ml.ProfileRequest {
	return &ml.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: name}, Description: "the vision team"}
}

func TestCreateFromTemplate(t *testing.T) {
	r, _ := newREST(t, 5)
	obj, err := r.Create(as("alice", "team-a"), request("vision"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := obj.(*ml.Profile)
	want := ml.ProfileSpec{
		Owner: rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
		// The requester, listed by the template, is the owner only.
		Contributors:     []ml.Contributor{{Subject: rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "ml-auditors"}, Role: ml.ContributorRoleView}},
		ResourceQuota:    &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("4")}},
		PodSecurity:      ml.PodSecurityRestricted,
		NetworkIsolation: ptr.To(true),
		DeletionPolicy:   ml.ProfileDeletionRetain,
	}
	if diff := cmp.Diff(want, p.Spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if got := p.Annotations[DescriptionAnnotation]; got != "the vision team" {
		t.Errorf("description annotation %q", got)
	}

	// A ServiceAccount owns its profile as a ServiceAccount.
	obj, err = r.Create(as("system:serviceaccount:ci:robot"), request("robots"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "robot"}, obj.(*ml.Profile).Spec.Owner); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}

	// The name is taken.
	if _, err := r.Create(as("bob"), request("vision"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("a second request for vision: got %v, want already exists", err)
	}
	// A bad name is invalid.
	if _, err := r.Create(as("bob"), request("kube-system"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "metadata.name") {
		t.Errorf("a request for kube-system: got %v, want invalid metadata.name", err)
	}
}

func TestPerUserLimitUnderConcurrentRequests(t *testing.T) {
	const limit, requests = 3, 10
	r, profiles := newREST(t, limit)
	var wg sync.WaitGroup
	errs := make([]error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.Create(as("alice"), request(fmt.Sprintf("alice-%d", i)), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
		}()
	}
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "--max-profiles-per-user) is 3"):
		default:
			t.Errorf("request %d: %v", i, err)
		}
	}
	if created != limit {
		t.Errorf("created %d profiles, want %d", created, limit)
	}
	list, err := profiles.Profile.Store.List(as("root"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.(*ml.ProfileList).Items); n != limit {
		t.Errorf("%d profiles stored, want %d", n, limit)
	}
	// Another user has a limit of their own.
	if _, err := r.Create(as("bob"), request("bob"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Errorf("bob's first request: %v", err)
	}
}

func TestRequestsOff(t *testing.T) {
	r, _ := newREST(t, 0)
	_, err := r.Create(as("alice"), request("vision"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "--max-profiles-per-user=0") {
		t.Errorf("got %v, want forbidden naming --max-profiles-per-user", err)
	}
}

func TestDecodeTemplate(t *testing.T) {
	spec, err := DecodeTemplate("", scheme.Scheme)
	if err != nil {
		t.Fatal(err)
	}
	want := ml.ProfileSpec{PodSecurity: ml.PodSecurityBaseline, NetworkIsolation: ptr.To(true), DeletionPolicy: ml.ProfileDeletionRetain}
	if diff := cmp.Diff(want, *spec); diff != "" {
		t.Errorf("empty template (-want +got):\n%s", diff)
	}
	if _, err := DecodeTemplate("resourceQuota: {hrad: {}}", scheme.Scheme); err == nil || !strings.Contains(err.Error(), "hrad") {
		t.Errorf("a misspelt field: got %v, want an error naming it", err)
	}
}

// TestDeployedTemplate checks the template shipped in artifacts/deploy.
func TestDeployedTemplate(t *testing.T) {
	data, err := os.ReadFile("../../../artifacts/deploy/profile-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatal(err)
	}
	if ref := (types.NamespacedName{Namespace: cm.Namespace, Name: cm.Name}); ref != DefaultTemplate {
		t.Errorf("the ConfigMap is %s, the server reads %s", ref, DefaultTemplate)
	}
	spec, err := DecodeTemplate(cm.Data[TemplateKey], scheme.Scheme)
	if err != nil {
		t.Fatal(err)
	}
	p := newProfile(request("vision"), spec, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"})
	if errs := validation.ValidateProfile(p); len(errs) > 0 {
		t.Errorf("a profile from the template is invalid: %v", errs.ToAggregate())
	}
}
