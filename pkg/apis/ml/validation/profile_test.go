package validation_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func profile() *mltesting.ProfileWrapper { return mltesting.MakeProfile("team-a", "alice") }

func TestValidateProfile(t *testing.T) {
	sa := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "ci", Name: "robot"}
	cases := []struct {
		name string
		obj  *ml.Profile
		want []string
	}{
		{name: "valid", obj: profile().Contributor(mltesting.User("bob"), ml.ContributorRoleEdit).Contributor(sa, ml.ContributorRoleView).Obj()},
		{name: "group owner", obj: profile().Owner(mltesting.Group("team-a")).Obj()},
		{name: "name not a DNS label", obj: mltesting.MakeProfile("Team.A", "alice").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "system namespace", obj: mltesting.MakeProfile("kube-system", "alice").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "default namespace", obj: mltesting.MakeProfile("default", "alice").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "owner without a name", obj: profile().Owner(mltesting.User("")).Obj(), want: []string{"spec.owner.name: Required value"}},
		{name: "owner without a kind", obj: profile().Owner(rbacv1.Subject{Name: "alice"}).Obj(), want: []string{"spec.owner.kind: Required value"}},
		{name: "owner of an unknown kind", obj: profile().Owner(rbacv1.Subject{Kind: "Robot", Name: "r2"}).Obj(), want: []string{"spec.owner.kind: Unsupported value"}},
		{name: "user with a namespace", obj: profile().Owner(rbacv1.Subject{Kind: "User", Name: "alice", Namespace: "ns"}).Obj(), want: []string{"spec.owner.namespace: Forbidden"}},
		{name: "user of another API group", obj: profile().Owner(rbacv1.Subject{Kind: "User", APIGroup: "example.com", Name: "alice"}).Obj(), want: []string{"spec.owner.apiGroup: Unsupported value"}},
		{name: "ServiceAccount without a namespace", obj: profile().Owner(rbacv1.Subject{Kind: "ServiceAccount", Name: "robot"}).Obj(), want: []string{"spec.owner.namespace: Required value"}},
		{name: "contributor role unknown", obj: profile().Contributor(mltesting.User("bob"), "owner").Obj(), want: []string{"spec.contributors[0].role: Unsupported value"}},
		{name: "contributor role missing", obj: profile().Contributor(mltesting.User("bob"), "").Obj(), want: []string{"spec.contributors[0].role: Required value"}},
		{name: "contributor twice", obj: profile().Contributor(mltesting.User("bob"), ml.ContributorRoleEdit).Contributor(mltesting.User("bob"), ml.ContributorRoleView).Obj(), want: []string{"spec.contributors[1].subject: Duplicate value"}},
		{name: "owner as contributor", obj: profile().Contributor(mltesting.User("alice"), ml.ContributorRoleView).Obj(), want: []string{"spec.contributors[0].subject: Invalid value"}},
		{name: "negative quota", obj: profile().Quota(corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("-1")}).Obj(), want: []string{"spec.resourceQuota.hard[requests.nvidia.com/gpu]: Invalid value"}},
		{name: "GPU quota", obj: profile().Quota(corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("8")}).Obj()},
		{name: "limit range type", obj: profile().Spec(func(s *ml.ProfileSpec) {
			s.LimitRange = &corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: "Node"}}}
		}).Obj(), want: []string{"spec.limitRange.limits[0].type: Unsupported value"}},
		{name: "restricted", obj: profile().Spec(func(s *ml.ProfileSpec) { s.PodSecurity = ml.PodSecurityRestricted }).Obj()},
		{name: "privileged", obj: profile().Spec(func(s *ml.ProfileSpec) { s.PodSecurity = "privileged" }).Obj(), want: []string{"spec.podSecurity: Unsupported value"}},
		{name: "deletion policy", obj: profile().Spec(func(s *ml.ProfileSpec) { s.DeletionPolicy = "Orphan" }).Obj(), want: []string{"spec.deletionPolicy: Unsupported value"}},
		{name: "reserved namespace label", obj: profile().Spec(func(s *ml.ProfileSpec) {
			s.NamespaceLabels = map[string]string{"pod-security.kubernetes.io/enforce": "privileged", "team": "vision"}
		}).Obj(), want: []string{"spec.namespaceLabels[pod-security.kubernetes.io/enforce]: Invalid value"}},
		{name: "bad namespace label", obj: profile().Spec(func(s *ml.ProfileSpec) { s.NamespaceLabels = map[string]string{"a b": "c"} }).Obj(), want: []string{"spec.namespaceLabels: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateProfile(tc.obj))
		})
	}
}

func TestValidateProfileUpdateAndStatus(t *testing.T) {
	old := profile().Obj()
	old.ResourceVersion = "1"
	changed := profile().Owner(mltesting.Group("team-a")).Obj()
	changed.ResourceVersion = "1"
	checkErrors(t, nil, validation.ValidateProfileUpdate(changed, old))

	status := old.DeepCopy()
	status.Status = ml.ProfileStatus{Phase: ml.ProfileReady, Namespace: "team-a", Conditions: []metav1.Condition{{
		Type: ml.ProfileNamespaceReady, Status: metav1.ConditionTrue, Reason: "Created", LastTransitionTime: metav1.Now(),
	}}}
	checkErrors(t, nil, validation.ValidateProfileStatusUpdate(status, old))
	status.Status.Phase = "Done"
	status.Status.Namespace = "Team_A"
	checkErrors(t, []string{"status.phase: Unsupported value", "status.namespace: Invalid value"}, validation.ValidateProfileStatusUpdate(status, old))
}

func TestValidateProfileRequest(t *testing.T) {
	ok := &ml.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: "vision"}}
	checkErrors(t, nil, validation.ValidateProfileRequest(ok))
	bad := &ml.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: "kube-vision"}}
	checkErrors(t, []string{"metadata.name: Invalid value"}, validation.ValidateProfileRequest(bad))
}
