package scale

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// scaleSubresource is what discovery says about a scale subresource.
type scaleSubresource struct {
	Name                 string
	Group, Version, Kind string
	Namespaced           bool
	Verbs                []string
}

func wantScaleSubresources() []scaleSubresource {
	var want []scaleSubresource
	for _, k := range scalables() {
		want = append(want, scaleSubresource{k.resource + "/scale", "autoscaling", "v1", "Scale", true, []string{"get", "patch", "update"}})
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
	return want
}

// TestDiscovery checks that discovery lists a scale subresource of kind
// autoscaling/v1 Scale for exactly the kinds that scale: client-go's scale
// client (kubectl scale, the HorizontalPodAutoscaler) finds it there.
func TestDiscovery(t *testing.T) {
	client, err := discovery.NewDiscoveryClientForConfig(server.ClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ServerResourcesForGroupVersion("ml.example.io/v1alpha1")
	if err != nil {
		t.Fatalf("discover ml.example.io/v1alpha1: %v", err)
	}
	var got []scaleSubresource
	for _, r := range list.APIResources {
		if !strings.HasSuffix(r.Name, "/scale") {
			continue
		}
		verbs := slices.Clone([]string(r.Verbs))
		sort.Strings(verbs)
		got = append(got, scaleSubresource{r.Name, r.Group, r.Version, r.Kind, r.Namespaced, verbs})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	if diff := cmp.Diff(wantScaleSubresources(), got); diff != "" {
		t.Errorf("scale subresources of ml.example.io/v1alpha1 (-want +got):\n%s", diff)
	}
}

func TestAggregatedDiscovery(t *testing.T) {
	client, err := rest.HTTPClientFor(server.ClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, server.ClientConfig.Host+"/apis", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /apis: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var groups apidiscoveryv2.APIGroupDiscoveryList
	if err := json.NewDecoder(resp.Body).Decode(&groups); err != nil {
		t.Fatalf("decode aggregated discovery: %v", err)
	}
	var got []scaleSubresource
	for _, g := range groups.Items {
		if g.Name != "ml.example.io" {
			continue
		}
		for _, v := range g.Versions {
			for _, r := range v.Resources {
				for _, s := range r.Subresources {
					if s.Subresource != "scale" {
						continue
					}
					verbs := slices.Clone(s.Verbs)
					sort.Strings(verbs)
					sub := scaleSubresource{Name: r.Resource + "/scale", Namespaced: r.Scope == apidiscoveryv2.ScopeNamespace, Verbs: verbs}
					if s.ResponseKind != nil {
						sub.Group, sub.Version, sub.Kind = s.ResponseKind.Group, s.ResponseKind.Version, s.ResponseKind.Kind
					}
					got = append(got, sub)
				}
			}
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	if diff := cmp.Diff(wantScaleSubresources(), got); diff != "" {
		t.Errorf("aggregated discovery of the scale subresources (-want +got):\n%s", diff)
	}
}
