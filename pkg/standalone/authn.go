package standalone

import (
	"net/http"
	"strings"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

// WithoutAnonymous wraps the delegating authenticator, which always falls
// back to system:anonymous, so that a request without credentials is
// unauthenticated (401) rather than anonymous (403 from the authorizer).
// Health checks (/healthz, /livez, /readyz) stay open to anonymous
// probes, as on kube-apiserver.
func WithoutAnonymous(a authenticator.Request) authenticator.Request {
	if a == nil {
		return nil
	}
	return noAnonymous{a}
}

type noAnonymous struct {
	authenticator.Request
}

// AuthenticateRequest authenticates req, refusing the anonymous identity.
func (a noAnonymous) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	resp, ok, err := a.Request.AuthenticateRequest(req)
	if ok && resp.User.GetName() == user.Anonymous && !isHealthPath(req.URL.Path) {
		return nil, false, err
	}
	return resp, ok, err
}

func isHealthPath(path string) bool {
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
