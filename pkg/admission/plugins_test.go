package admission

import (
	"slices"
	"testing"

	"k8s.io/apiserver/pkg/admission"
	genericoptions "k8s.io/apiserver/pkg/server/options"
)

// TestPluginOrder: every registered plugin, ours and the generic ones, is
// in the one declared order, and the standalone plugins are among them.
func TestPluginOrder(t *testing.T) {
	plugins := genericoptions.NewAdmissionOptions().Plugins
	Register(plugins)
	registered := plugins.Registered()
	for _, name := range registered {
		if !slices.Contains(PluginOrder, name) {
			t.Errorf("plugin %s is registered but not in PluginOrder", name)
		}
	}
	for _, name := range PluginOrder {
		if !slices.Contains(registered, name) {
			t.Errorf("PluginOrder names %s, which is not registered", name)
		}
	}
	for _, name := range StandalonePlugins {
		if !slices.Contains(PluginOrder, name) {
			t.Errorf("standalone plugin %s is not in PluginOrder", name)
		}
	}
	ours := admission.NewPlugins()
	Register(ours)
	if got := len(ours.Registered()); got != 7 {
		t.Errorf("%d plugins of ml.example.io registered, want 7", got)
	}
}
