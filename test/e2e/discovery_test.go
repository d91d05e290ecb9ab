package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"ml.example.io/ml-apiserver/test/e2e/framework"
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
	// profileResources are cluster-scoped and served in aggregated mode only.
	profileResources = []resource{
		{"profilerequests", "ProfileRequest", "profilerequest", false, nil, nil, []string{"create"}},
		{"profiles", "Profile", "profile", false, []string{"prof"}, nil, allVerbs},
	}
)

// allResources are every resource of the group, sorted by name.
func allResources() []resource {
	all := slices.Concat(resources, runtimeResources, servingRuntimeResources, profileResources)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

const (
	groupVersionPath = "/apis/ml.example.io/v1alpha1"
	aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
)

// subresource is a subresource as discovery lists it.
type subresource struct {
	Name  string // such as status
	Kind  string
	Verbs []string
}

// TestLegacyDiscovery reads /apis/ml.example.io/v1alpha1 through
// kube-apiserver, which proxies it to ml-apiserver.
func TestLegacyDiscovery(t *testing.T) {
	ctx := testContext(t, shortTimeout)
	resp := framework.Get(ctx, t, cluster.Config(), groupVersionPath, "Accept", "application/json")
	if resp.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.500s", groupVersionPath, resp.Code, resp.Body)
	}
	var list metav1.APIResourceList
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		t.Fatalf("decode %s: %v", groupVersionPath, err)
	}
	if list.Kind != "APIResourceList" || list.GroupVersion != "ml.example.io/v1alpha1" {
		t.Errorf("GET %s: kind %q groupVersion %q, want APIResourceList of ml.example.io/v1alpha1", groupVersionPath, list.Kind, list.GroupVersion)
	}
	got, subs := legacyResources(list)
	if diff := cmp.Diff(allResources(), got); diff != "" {
		t.Errorf("resources of ml.example.io/v1alpha1 (-want +got):\n%s", diff)
	}
	for _, r := range resources {
		want := subresource{"status", r.Kind, statusVerbs}
		i := slices.IndexFunc(subs[r.Name], func(s subresource) bool { return s.Name == "status" })
		if i < 0 {
			t.Errorf("%s: no status subresource in %+v", r.Name, subs[r.Name])
			continue
		}
		if diff := cmp.Diff(want, subs[r.Name][i]); diff != "" {
			t.Errorf("%s/status (-want +got):\n%s", r.Name, diff)
		}
	}
}

// legacyResources splits an APIResourceList into resources and, per
// resource, its subresources.
func legacyResources(list metav1.APIResourceList) ([]resource, map[string][]subresource) {
	var got []resource
	subs := map[string][]subresource{}
	for _, r := range list.APIResources {
		verbs := sortedCopy(r.Verbs)
		if parent, sub, ok := strings.Cut(r.Name, "/"); ok {
			subs[parent] = append(subs[parent], subresource{sub, r.Kind, verbs})
			continue
		}
		got = append(got, resource{r.Name, r.Kind, r.SingularName, r.Namespaced, r.ShortNames, r.Categories, verbs})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	for _, s := range subs {
		sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}
	return got, subs
}

// TestAggregatedDiscovery reads the aggregated discovery document of /apis
// from kube-apiserver, which merges in what ml-apiserver publishes, and
// checks that it says the same as the legacy discovery of the group.
func TestAggregatedDiscovery(t *testing.T) {
	ctx := testContext(t, shortTimeout)
	cfg := cluster.Config()
	var group *apidiscoveryv2.APIGroupDiscovery
	// kube-apiserver refreshes the aggregated document in the background;
	// the group is there once local-up returned, poll to be robust.
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		resp := framework.Get(ctx, t, cfg, "/apis", "Accept", aggregatedAccept)
		if resp.Code != http.StatusOK {
			t.Fatalf("GET /apis: status %d: %.500s", resp.Code, resp.Body)
		}
		if !strings.Contains(resp.ContentType, "as=APIGroupDiscoveryList") {
			t.Fatalf("GET /apis: Content-Type %q, want the aggregated discovery document", resp.ContentType)
		}
		var groups apidiscoveryv2.APIGroupDiscoveryList
		if err := json.Unmarshal(resp.Body, &groups); err != nil {
			t.Fatalf("decode aggregated discovery: %v", err)
		}
		for i := range groups.Items {
			if groups.Items[i].Name == "ml.example.io" {
				group = &groups.Items[i]
			}
		}
		return group != nil, nil
	})
	if err != nil {
		t.Fatalf("ml.example.io is not in the aggregated discovery of /apis: %v", err)
	}
	if len(group.Versions) != 1 || group.Versions[0].Version != "v1alpha1" {
		t.Fatalf("versions of ml.example.io: %+v, want v1alpha1 alone", group.Versions)
	}
	version := group.Versions[0]
	if version.Freshness != apidiscoveryv2.DiscoveryFreshnessCurrent {
		t.Errorf("ml.example.io/v1alpha1 freshness %q, want %q: kube-apiserver could not refresh it from ml-apiserver", version.Freshness, apidiscoveryv2.DiscoveryFreshnessCurrent)
	}
	var got []resource
	subs := map[string][]subresource{}
	for _, r := range version.Resources {
		kind := ""
		if r.ResponseKind != nil {
			kind = r.ResponseKind.Kind
		}
		got = append(got, resource{r.Resource, kind, r.SingularResource, r.Scope == apidiscoveryv2.ScopeNamespace, r.ShortNames, r.Categories, sortedCopy(r.Verbs)})
		for _, s := range r.Subresources {
			sk := ""
			if s.ResponseKind != nil {
				sk = s.ResponseKind.Kind
			}
			subs[r.Resource] = append(subs[r.Resource], subresource{s.Subresource, sk, sortedCopy(s.Verbs)})
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
	if diff := cmp.Diff(allResources(), got); diff != "" {
		t.Errorf("aggregated discovery of ml.example.io/v1alpha1 (-want +got):\n%s", diff)
	}
	for _, s := range subs {
		sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}

	// Both documents must list the same subresources, status among them.
	resp := framework.Get(ctx, t, cfg, groupVersionPath, "Accept", "application/json")
	var list metav1.APIResourceList
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		t.Fatalf("decode %s: %v", groupVersionPath, err)
	}
	_, legacySubs := legacyResources(list)
	if diff := cmp.Diff(legacySubs, subs); diff != "" {
		t.Errorf("subresources: legacy discovery (-) and aggregated discovery (+) differ:\n%s", diff)
	}
	for _, r := range resources {
		if !slices.ContainsFunc(subs[r.Name], func(s subresource) bool { return s.Name == "status" }) {
			t.Errorf("aggregated discovery lists no status subresource of %s: %+v", r.Name, subs[r.Name])
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// TestKubectlAPIResources lists the group with kubectl, whose discovery
// goes through kube-apiserver.
func TestKubectlAPIResources(t *testing.T) {
	for _, k := range cluster.Kubectls(t) {
		t.Run(k.Name(), func(t *testing.T) {
			var want []string
			for _, r := range allResources() {
				// Empty cells vanish from rows.
				want = append(want, strings.Join(strings.Fields(strings.Join([]string{
					r.Name, strings.Join(r.ShortNames, ","), "ml.example.io/v1alpha1", strconv.FormatBool(r.Namespaced), r.Kind,
					strings.Join(r.Verbs, ","), strings.Join(r.Categories, ","),
				}, " ")), " "))
			}
			out := k.MustRun(t, "api-resources", "--api-group=ml.example.io", "-o", "wide")
			if diff := cmp.Diff(want, rows(out)); diff != "" {
				t.Errorf("kubectl api-resources --api-group=ml.example.io -o wide (-want +got):\n%s\n%s", diff, out)
			}

			// The category: `kubectl api-resources --categories ml` and
			// `kubectl get ml` rely on it.
			out = k.MustRun(t, "api-resources", "--categories=ml", "-o", "name")
			var names []string
			for _, r := range allResources() {
				if slices.Contains(r.Categories, "ml") {
					names = append(names, r.Name+".ml.example.io")
				}
			}
			if diff := cmp.Diff(names, rows(out)); diff != "" {
				t.Errorf("kubectl api-resources --categories=ml -o name (-want +got):\n%s", diff)
			}
		})
	}
}

// rows are the lines of kubectl's output after a table header (if any),
// with the cells separated by single spaces.
func rows(out string) []string {
	var rows []string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if i == 0 && strings.HasPrefix(line, "NAME ") {
			continue
		}
		rows = append(rows, strings.Join(strings.Fields(line), " "))
	}
	return rows
}

// TestKubectlExplain explains fields through kube-apiserver, from the
// aggregated OpenAPI v3 (kubectl's default) and v2 documents.
func TestKubectlExplain(t *testing.T) {
	for _, k := range cluster.Kubectls(t) {
		t.Run(k.Name(), func(t *testing.T) {
			out := k.MustRun(t, "explain", "trainingjobs.spec")
			flat := strings.Join(strings.Fields(out), " ")
			for _, want := range []string{
				"GROUP: ml.example.io", "KIND: TrainingJob", "VERSION: v1alpha1",
				"FIELD: spec <TrainingJobSpec>",
				"replicas <integer>", "image <string>", "backoffLimit <integer>",
			} {
				if !strings.Contains(flat, want) {
					t.Errorf("explain trainingjobs.spec: want %q, got:\n%s", want, out)
				}
			}
			out = k.MustRun(t, "explain", "trainingjobs.spec.replicas", "--output=plaintext-openapiv2")
			flat = strings.Join(strings.Fields(out), " ")
			for _, want := range []string{
				"KIND: TrainingJob", "VERSION: ml.example.io/v1alpha1", "FIELD: replicas <integer>",
				"Replicas is the number of workers",
			} {
				if !strings.Contains(flat, want) {
					t.Errorf("explain --output=plaintext-openapiv2 trainingjobs.spec.replicas: want %q, got:\n%s", want, out)
				}
			}
		})
	}
}

// openAPIDefinition is the name our OpenAPI definitions have: the Go
// package path with its domain reversed, as for every type without a model
// name (ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1 becomes
// io.example.ml.ml-apiserver.pkg.apis.ml.v1alpha1), which is also the name
// the generated apply configurations and their type converter use.
const openAPIDefinition = "io.example.ml.ml-apiserver.pkg.apis.ml.v1alpha1."

// TestOpenAPIV2 checks that kube-apiserver merged ml-apiserver's OpenAPI v2
// into /openapi/v2: every kind's definition with its group-version-kind, and
// the paths of the group.
func TestOpenAPIV2(t *testing.T) {
	ctx := testContext(t, shortTimeout)
	var doc struct {
		Paths       map[string]json.RawMessage `json:"paths"`
		Definitions map[string]struct {
			GVK []struct {
				Group, Version, Kind string
			} `json:"x-kubernetes-group-version-kind"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"definitions"`
	}
	// The aggregator downloads the spec in the background: poll until it
	// has been merged.
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		resp := framework.Get(ctx, t, cluster.Config(), "/openapi/v2", "Accept", "application/json")
		if resp.Code != http.StatusOK {
			t.Fatalf("GET /openapi/v2: status %d: %.300s", resp.Code, resp.Body)
		}
		if err := json.Unmarshal(resp.Body, &doc); err != nil {
			t.Fatalf("decode /openapi/v2: %v", err)
		}
		_, ok := doc.Definitions[openAPIDefinition+"TrainingJob"]
		return ok, nil
	})
	if err != nil {
		t.Fatalf("/openapi/v2 has no %sTrainingJob: %v", openAPIDefinition, err)
	}
	for _, r := range resources {
		def, ok := doc.Definitions[openAPIDefinition+r.Kind]
		if !ok {
			t.Errorf("/openapi/v2: no definition %s%s", openAPIDefinition, r.Kind)
			continue
		}
		if len(def.GVK) != 1 || def.GVK[0].Group != "ml.example.io" || def.GVK[0].Version != "v1alpha1" || def.GVK[0].Kind != r.Kind {
			t.Errorf("/openapi/v2 %s%s: x-kubernetes-group-version-kind %+v, want ml.example.io/v1alpha1 %s", openAPIDefinition, r.Kind, def.GVK, r.Kind)
		}
		for _, p := range []string{"spec", "status", "metadata"} {
			if _, ok := def.Properties[p]; !ok {
				t.Errorf("/openapi/v2 %s%s: no property %s", openAPIDefinition, r.Kind, p)
			}
		}
		for _, p := range []string{
			groupVersionPath + "/namespaces/{namespace}/" + r.Name + "/{name}",
			groupVersionPath + "/namespaces/{namespace}/" + r.Name + "/{name}/status",
		} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("/openapi/v2: no path %s", p)
			}
		}
	}
}

// TestOpenAPIV3 checks that kube-apiserver lists the group in /openapi/v3
// and serves its document.
func TestOpenAPIV3(t *testing.T) {
	ctx := testContext(t, shortTimeout)
	cfg := cluster.Config()
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	resp := framework.Get(ctx, t, cfg, "/openapi/v3")
	if resp.Code != http.StatusOK {
		t.Fatalf("GET /openapi/v3: status %d: %.300s", resp.Code, resp.Body)
	}
	if err := json.Unmarshal(resp.Body, &index); err != nil {
		t.Fatalf("decode /openapi/v3: %v", err)
	}
	entry, ok := index.Paths["apis/ml.example.io/v1alpha1"]
	if !ok {
		t.Fatalf("/openapi/v3 does not list apis/ml.example.io/v1alpha1")
	}
	if !regexp.MustCompile(`^/openapi/v3/apis/ml\.example\.io/v1alpha1\?hash=[0-9A-F]+$`).MatchString(entry.ServerRelativeURL) {
		t.Errorf("/openapi/v3: apis/ml.example.io/v1alpha1 at %q, want /openapi/v3/apis/ml.example.io/v1alpha1?hash=...", entry.ServerRelativeURL)
	}
	for _, path := range []string{"/openapi/v3/apis/ml.example.io/v1alpha1", entry.ServerRelativeURL} {
		resp := framework.Get(ctx, t, cfg, path, "Accept", "application/json")
		if resp.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %.300s", path, resp.Code, resp.Body)
		}
		var doc struct {
			Paths      map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]struct {
					GVK []struct {
						Group, Version, Kind string
					} `json:"x-kubernetes-group-version-kind"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(resp.Body, &doc); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
		for _, r := range resources {
			schema, ok := doc.Components.Schemas[openAPIDefinition+r.Kind]
			if !ok {
				t.Errorf("%s: no schema %s%s", path, openAPIDefinition, r.Kind)
				continue
			}
			if len(schema.GVK) != 1 || schema.GVK[0].Kind != r.Kind || schema.GVK[0].Group != "ml.example.io" {
				t.Errorf("%s %s%s: x-kubernetes-group-version-kind %+v", path, openAPIDefinition, r.Kind, schema.GVK)
			}
			if _, ok := doc.Paths[groupVersionPath+"/namespaces/{namespace}/"+r.Name]; !ok {
				t.Errorf("%s: no path of the %s collection", path, r.Name)
			}
		}
	}
}
