package auth

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
)

// resource is what discovery must say about each kind.
type resource struct {
	Name       string
	Kind       string
	Singular   string
	Namespaced bool
	ShortNames []string
	Categories []string
	Verbs      []string
}

var (
	allVerbs    = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	statusVerbs = []string{"get", "patch", "update"}
	resources   = []resource{
		{"models", "Model", "model", true, []string{"mdl"}, []string{"ml"}, allVerbs},
		{"notebooks", "Notebook", "notebook", true, []string{"nb"}, []string{"ml"}, allVerbs},
		{"pipelineruns", "PipelineRun", "pipelinerun", true, []string{"plr"}, []string{"ml"}, allVerbs},
		{"pipelines", "Pipeline", "pipeline", true, []string{"pl"}, []string{"ml"}, allVerbs},
		{"recurringruns", "RecurringRun", "recurringrun", true, []string{"rr"}, []string{"ml"}, allVerbs},
		{"trainingjobs", "TrainingJob", "trainingjob", true, []string{"tj"}, []string{"ml"}, allVerbs},
		{"tuningjobs", "TuningJob", "tuningjob", true, []string{"tun"}, []string{"ml"}, allVerbs},
	}
	// runtimeResources are the training runtimes, which have no status;
	// the cluster-scoped one is in no category.
	runtimeResources = []resource{
		{"clustertrainingruntimes", "ClusterTrainingRuntime", "clustertrainingruntime", false, []string{"ctr"}, nil, allVerbs},
		{"trainingruntimes", "TrainingRuntime", "trainingruntime", true, []string{"tr"}, []string{"ml"}, allVerbs},
	}
	// servingRuntimeResources have no status; the cluster-scoped one is
	// in no category.
	servingRuntimeResources = []resource{
		{"clusterservingruntimes", "ClusterServingRuntime", "clusterservingruntime", false, []string{"csrt"}, nil, allVerbs},
		{"servingruntimes", "ServingRuntime", "servingruntime", true, []string{"srt"}, []string{"ml"}, allVerbs},
	}
)

// allResources are every resource of the group, sorted by name.
func allResources() []resource {
	all := slices.Concat(resources, runtimeResources, servingRuntimeResources)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

func TestDiscovery(t *testing.T) {
	client, err := discovery.NewDiscoveryClientForConfig(admin(t))
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	list, err := client.ServerResourcesForGroupVersion("ml.example.io/v1alpha1")
	if err != nil {
		t.Fatalf("discover ml.example.io/v1alpha1: %v", err)
	}
	byName := map[string]metav1.APIResource{}
	var got []resource
	for _, r := range list.APIResources {
		byName[r.Name] = r
		if strings.Contains(r.Name, "/") {
			continue // a subresource
		}
		verbs := slices.Clone([]string(r.Verbs))
		sort.Strings(verbs)
		got = append(got, resource{r.Name, r.Kind, r.SingularName, r.Namespaced, r.ShortNames, r.Categories, verbs})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	if diff := cmp.Diff(allResources(), got); diff != "" {
		t.Errorf("resources of ml.example.io/v1alpha1 (-want +got):\n%s", diff)
	}
	for _, r := range resources {
		status, ok := byName[r.Name+"/status"]
		if !ok {
			t.Errorf("no %s/status subresource", r.Name)
			continue
		}
		verbs := slices.Clone([]string(status.Verbs))
		sort.Strings(verbs)
		if diff := cmp.Diff(statusVerbs, verbs); diff != "" || status.Kind != r.Kind {
			t.Errorf("%s/status: kind %s (want %s), verbs (-want +got):\n%s", r.Name, status.Kind, r.Kind, diff)
		}
	}
}

func TestAggregatedDiscovery(t *testing.T) {
	code, body := get(t.Context(), t, admin(t), "/apis", "Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	if code != http.StatusOK {
		t.Fatalf("GET /apis: status %d: %.300s", code, body)
	}
	var groups apidiscoveryv2.APIGroupDiscoveryList
	if err := json.Unmarshal(body, &groups); err != nil {
		t.Fatalf("decode aggregated discovery: %v", err)
	}
	var got []resource
	for _, g := range groups.Items {
		if g.Name != "ml.example.io" {
			continue
		}
		if len(g.Versions) != 1 || g.Versions[0].Version != "v1alpha1" {
			t.Fatalf("versions of ml.example.io: %+v, want v1alpha1 alone", g.Versions)
		}
		for _, r := range g.Versions[0].Resources {
			verbs := slices.Clone(r.Verbs)
			sort.Strings(verbs)
			kind := ""
			if r.ResponseKind != nil {
				kind = r.ResponseKind.Kind
			}
			got = append(got, resource{r.Resource, kind, r.SingularResource, r.Scope == apidiscoveryv2.ScopeNamespace, r.ShortNames, r.Categories, verbs})
			hasStatus := slices.ContainsFunc(resources, func(want resource) bool { return want.Name == r.Resource })
			if hasStatus && !slices.ContainsFunc(r.Subresources, func(s apidiscoveryv2.APISubresourceDiscovery) bool { return s.Subresource == "status" }) {
				t.Errorf("aggregated discovery lists no status subresource of %s", r.Resource)
			}
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	if diff := cmp.Diff(allResources(), got); diff != "" {
		t.Errorf("aggregated discovery of ml.example.io (-want +got):\n%s", diff)
	}
}
