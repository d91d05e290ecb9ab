package standalone

import (
	"net/http"
	"testing"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

func TestWithoutAnonymous(t *testing.T) {
	anonymous := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous}}, true, nil
	})
	admin := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return &authenticator.Response{User: &user.DefaultInfo{Name: AdminUser, Groups: []string{AdminGroup}}}, true, nil
	})
	tests := []struct {
		name   string
		inner  authenticator.Request
		path   string
		wantOK bool
	}{
		{"anonymous API request is unauthenticated", anonymous, "/apis/ml.example.io/v1alpha1/trainingjobs", false},
		{"anonymous health check passes", anonymous, "/healthz", true},
		{"anonymous named readiness check passes", anonymous, "/readyz/etcd", true},
		{"anonymous look-alike path is unauthenticated", anonymous, "/healthzz", false},
		{"client certificate user passes", admin, "/apis/ml.example.io/v1alpha1/trainingjobs", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1"+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, ok, err := WithoutAnonymous(tc.inner).AuthenticateRequest(req)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if ok != tc.wantOK {
				t.Errorf("authenticated = %v, want %v", ok, tc.wantOK)
			}
		})
	}
}
