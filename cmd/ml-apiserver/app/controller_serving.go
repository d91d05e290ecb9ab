package app

import (
	"context"
	"fmt"
	"net"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/apiserver/pkg/server/mux"
	componentbaseconfig "k8s.io/component-base/config"
	// Registers the workqueue, client-go request and leader election
	// metrics with the legacy registry that /metrics serves.
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	controllermanagerapp "k8s.io/controller-manager/app"
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

// newControllerEndpoint applies the completed serving options: a
// self-signed certificate for localhost unless one was given, the
// listener, and authentication and authorization delegated to
// kube-apiserver. It returns nil when the endpoint is off (nil options).
func newControllerEndpoint(o *options.ControllerServingOptions) (*controllerEndpoint, error) {
	if o == nil {
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
// the returned channel closes once the server has stopped. The handler is
// kube-controller-manager's (k8s.io/controller-manager/app): /healthz,
// /livez and /readyz are open to anyone, /metrics needs `get` on that
// non-resource URL. Profiling is off, as the flags offer none.
func (e *controllerEndpoint) serve(ctx context.Context, manager *controller.Manager) (<-chan struct{}, error) {
	health := []healthz.HealthChecker{healthz.PingHealthz}
	if le := manager.LeaderHealthCheck(); le != nil {
		health = append(health, le)
	}
	// /healthz and its checks (/healthz/<name>) as kube-apiserver has them.
	healthzMux := mux.NewPathRecorderMux("ml-controller-healthz")
	healthz.InstallHandler(healthzMux, health...)
	m := controllermanagerapp.NewBaseHandler(&componentbaseconfig.DebuggingConfiguration{}, healthzMux)
	m.HandlePrefix("/healthz/", healthzMux)
	healthz.InstallLivezHandler(m, health...)
	healthz.InstallReadyzHandler(m, append(health, healthz.NamedCheck("controllers", manager.CheckReady))...)

	handler := controllermanagerapp.BuildHandlerChain(m, &e.authz, &e.authn)
	stopped, _, err := e.serving.Serve(handler, 0, ctx.Done())
	if err != nil {
		return nil, fmt.Errorf("serve the controller endpoint: %w", err)
	}
	klog.FromContext(ctx).Info("Serving health checks and metrics", "address", e.serving.Listener.Addr().String())
	return stopped, nil
}
