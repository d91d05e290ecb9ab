package apiserver

import (
	"net/http"

	genericapiserver "k8s.io/apiserver/pkg/server"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/apiserver/patchops"
)

// completeBadInput defaults the caps objects are validated against, and
// adds the filter that makes a refused JSON patch on our group name its
// failing operation. The filter wraps the API handler, so it runs
// innermost, after authentication and authorization.
func (c *Config) completeBadInput() {
	defaults := validation.DefaultOptions()
	if c.ExtraConfig.Validation.MaxReplicas == 0 {
		c.ExtraConfig.Validation.MaxReplicas = defaults.MaxReplicas
	}
	if c.ExtraConfig.Validation.MaxForEachItems == 0 {
		c.ExtraConfig.Validation.MaxForEachItems = defaults.MaxForEachItems
	}
	if c.patchFilterAdded {
		return
	}
	c.patchFilterAdded = true
	buildChain, maxBody := c.GenericConfig.BuildHandlerChainFunc, c.GenericConfig.MaxRequestBodyBytes
	c.GenericConfig.BuildHandlerChainFunc = func(apiHandler http.Handler, gc *genericapiserver.Config) http.Handler {
		return buildChain(patchops.WithOperationErrors(apiHandler, "/apis/"+ml.GroupName+"/", maxBody), gc)
	}
}
