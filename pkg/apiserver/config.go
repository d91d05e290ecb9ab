package apiserver

import (
	"errors"
	"net/http"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/authn/certcache"
	generatedopenapi "ml.example.io/ml-apiserver/pkg/generated/openapi"
)

// NewRecommendedConfig returns the generic server configuration of
// ml-apiserver: the server's own settings (OpenAPI, long-running requests,
// shutdown, version), then those of the flags, which apply sets (the
// generic options' ApplyTo), then the client-certificate cache around the
// authenticator the flags built.
func NewRecommendedConfig(apply func(*genericapiserver.RecommendedConfig) error) (*genericapiserver.RecommendedConfig, error) {
	c := genericapiserver.NewRecommendedConfig(scheme.Codecs)
	namer := openapi.NewDefinitionNamer(scheme.Scheme)
	c.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIConfig.Info.Title = "ml-apiserver"
	c.OpenAPIConfig.Info.Version = mlv1alpha1.SchemeGroupVersion.Version
	c.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIV3Config.Info.Title = "ml-apiserver"
	c.OpenAPIV3Config.Info.Version = mlv1alpha1.SchemeGroupVersion.Version
	// log?follow streams for as long as the job runs: it must not be cut
	// at the request timeout, like watch.
	c.LongRunningFunc = genericfilters.BasicLongRunningRequestCheck(sets.NewString("watch"), sets.NewString("log"))
	// On SIGTERM, stop once the requests in flight have finished, answering
	// new ones 429 with Retry-After meanwhile, and close open watches and
	// log follows after 2 s. Without it the HTTP server waits for them up to
	// the request timeout (60 s): every open watch (kubectl get -w, an
	// informer) would hold a restart for a minute.
	c.ShutdownSendRetryAfter = true
	c.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	c.FeatureGate = utilfeature.DefaultFeatureGate

	if err := apply(c); err != nil {
		return nil, err
	}
	// A verified client certificate chain (the admin's, a front proxy's
	// with the user it forwards) is trusted for a few seconds instead of
	// verified on every request.
	c.Authentication.Authenticator = certcache.New(c.Authentication.Authenticator,
		c.Authentication.RequestHeaderConfig, certcache.DefaultTTL)
	if check := frontProxyCACheck(c.Authentication.RequestHeaderConfig); check != nil {
		c.ReadyzChecks = append(c.ReadyzChecks, check)
	}
	return c, nil
}

// frontProxyCACheck keeps the server not ready until the front proxy's CA is
// loaded, or returns nil when no front proxy is trusted.
//
// Read from kube-system/extension-apiserver-authentication (no
// --requestheader-client-ca-file), the CA is loaded by a controller whose
// informer starts with the secure server: its RunOnce, before serving, reads
// an informer cache that is still empty. Until the informer has synced, the
// front-proxy authenticator has no CA to verify kube-apiserver's client
// certificate with, so every request the aggregator forwards, its
// availability checks included, is served as system:anonymous (403). A
// replica restarted behind the APIService's Service would answer them as
// soon as /readyz passes.
func frontProxyCACheck(rh *authenticatorfactory.RequestHeaderConfig) healthz.HealthChecker {
	if rh == nil || rh.CAContentProvider == nil {
		return nil
	}
	return healthz.NamedCheck("requestheader-ca", func(*http.Request) error {
		if len(rh.CAContentProvider.CurrentCABundleContent()) == 0 {
			return errors.New("the front proxy's CA (--requestheader-client-ca-file or kube-system/extension-apiserver-authentication) is not loaded yet")
		}
		return nil
	})
}
