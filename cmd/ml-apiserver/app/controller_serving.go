package app

import (
	"context"
	"fmt"
	"net"
	"net/http"

	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	apirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/metrics/legacyregistry"
	// Registers the workqueue, client-go request and leader election
	// metrics with the legacy registry that /metrics serves.
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	"k8s.io/klog/v2"
	netutils "k8s.io/utils/net"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/controller"
)

// controllerEndpoint is the HTTPS endpoint of `ml-apiserver controller`,
// configured and ready to serve.
type controllerEndpoint struct {
	serving *genericapiserver.SecureServingInfo
	authn   genericapiserver.AuthenticationInfo
	authz   genericapiserver.AuthorizationInfo
}

// newControllerEndpoint applies the serving options: a self-signed
// certificate for localhost unless one was given, the listener, and
// authentication and authorization delegated to kube-apiserver. It
// returns nil when --secure-port is 0.
func newControllerEndpoint(o *options.ControllerServingOptions) (*controllerEndpoint, error) {
	if !o.Enabled() {
		return nil, nil
	}
	if err := o.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, []net.IP{netutils.ParseIPSloppy("127.0.0.1")}); err != nil {
		return nil, fmt.Errorf("self-signed certificate of the controller endpoint: %w", err)
	}
	e := &controllerEndpoint{}
	if err := o.SecureServing.ApplyTo(&e.serving); err != nil {
		return nil, fmt.Errorf("controller endpoint: %w", err)
	}
	if err := o.Authentication.ApplyTo(&e.authn, e.serving, nil); err != nil {
		return nil, fmt.Errorf("controller endpoint authentication: %w", err)
	}
	if err := o.Authorization.ApplyTo(&e.authz); err != nil {
		return nil, fmt.Errorf("controller endpoint authorization: %w", err)
	}
	return e, nil
}

// serve serves /healthz, /livez, /readyz and /metrics until ctx is done;
// the returned channel closes once the server has stopped.
func (e *controllerEndpoint) serve(ctx context.Context, manager *controller.Manager) (<-chan struct{}, error) {
	m := mux.NewPathRecorderMux("ml-controller")
	health := []healthz.HealthChecker{healthz.PingHealthz}
	if le := manager.LeaderHealthCheck(); le != nil {
		health = append(health, le)
	}
	healthz.InstallHandler(m, health...)
	healthz.InstallLivezHandler(m, health...)
	healthz.InstallReadyzHandler(m, append(health, healthz.NamedCheck("controllers", manager.CheckReady))...)
	m.Handle("/metrics", legacyregistry.Handler())

	stopped, _, err := e.serving.Serve(e.handlerChain(m), 0, ctx.Done())
	if err != nil {
		return nil, fmt.Errorf("serve the controller endpoint: %w", err)
	}
	klog.FromContext(ctx).Info("Serving health checks and metrics", "address", e.serving.Listener.Addr().String())
	return stopped, nil
}

// handlerChain authenticates and authorizes requests as
// kube-controller-manager does: /healthz, /readyz and /livez are always
// allowed, /metrics needs `get` on that non-resource URL.
func (e *controllerEndpoint) handlerChain(h http.Handler) http.Handler {
	resolver := &apirequest.RequestInfoFactory{}
	if e.authz.Authorizer != nil {
		h = genericapifilters.WithAuthorization(h, e.authz.Authorizer, scheme.Codecs)
	}
	if e.authn.Authenticator != nil {
		h = genericapifilters.WithAuthentication(h, e.authn.Authenticator, genericapifilters.Unauthorized(scheme.Codecs), nil, nil)
	}
	h = genericapifilters.WithRequestInfo(h, resolver)
	h = genericapifilters.WithCacheControl(h)
	return genericfilters.WithPanicRecovery(h, resolver)
}
