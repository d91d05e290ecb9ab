package admission

import (
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	mutatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/mutating"
	validatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	mutatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/mutating"
	validatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/validating"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/mlquota"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/modelsource"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/pipelinerunresolve"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/profileserviceaccount"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/servingruntimeresolve"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/trainingruntimeresolve"
	"ml.example.io/ml-apiserver/pkg/admission/plugin/workloadsecurity"
)

// Register registers every plugin of ml.example.io.
func Register(plugins *admission.Plugins) {
	pipelinerunresolve.Register(plugins)
	modelsource.Register(plugins)
	servingruntimeresolve.Register(plugins)
	workloadsecurity.Register(plugins)
	profileserviceaccount.Register(plugins)
	mlquota.Register(plugins)
	trainingruntimeresolve.Register(plugins)
}

// PluginOrder is the order of the whole chain, generic plugins included.
// Mutating plugins run in this order, then validating ones in this order.
// Ours mutate before the cluster's policies and webhooks, so those see the
// resolved object; MLQuota validates last, so it charges quota only for a
// request every other plugin has admitted.
var PluginOrder = []string{
	lifecycle.PluginName,
	pipelinerunresolve.PluginName,
	trainingruntimeresolve.PluginName,
	modelsource.PluginName,
	servingruntimeresolve.PluginName,
	profileserviceaccount.PluginName,
	workloadsecurity.PluginName,
	mutatingadmissionpolicy.PluginName,
	mutatingwebhook.PluginName,
	validatingadmissionpolicy.PluginName,
	validatingwebhook.PluginName,
	mlquota.PluginName,
}

// StandalonePlugins are the plugins that run without a core Kubernetes API,
// in PluginOrder. The others need namespaces, quotas, service accounts or
// the cluster's policies, which standalone mode does not have.
var StandalonePlugins = []string{
	pipelinerunresolve.PluginName,
	trainingruntimeresolve.PluginName,
	modelsource.PluginName,
	servingruntimeresolve.PluginName,
}
