package bench

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTrainingJobCRDSchema checks the CRD twin's schema without a cluster:
// no references are left and the spec's fields are typed, down to the
// resource quantities and the env list keyed by name.
func TestTrainingJobCRDSchema(t *testing.T) {
	crd, conv, err := trainingJobCRD()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(crd.Object)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "$ref") {
		t.Errorf("the CRD schema still has references")
	}
	t.Logf("CRD: %d bytes of JSON, %d definitions inlined, %d places preserve unknown fields", len(b), conv.inlined, conv.preserved)

	s, err := conv.trainingJobSchema()
	if err != nil {
		t.Fatal(err)
	}
	get := func(path ...string) map[string]any {
		m := s
		for _, p := range path {
			next, _ := m[p].(map[string]any)
			if next == nil {
				t.Fatalf("schema has no %s", strings.Join(path, "."))
			}
			m = next
		}
		return m
	}
	spec := get("properties", "spec", "properties")
	for _, f := range []string{"framework", "replicas", "elastic", "image", "command", "args", "env", "resources", "volumes", "outputURI"} {
		if _, ok := spec[f]; !ok {
			t.Errorf("spec.%s is missing", f)
		}
	}
	if got := get("properties", "spec", "properties", "replicas")["type"]; got != "integer" {
		t.Errorf("spec.replicas has type %v, want integer", got)
	}
	if got := get("properties", "spec", "properties", "env")["x-kubernetes-list-type"]; got != "map" {
		t.Errorf("spec.env has list type %v, want map", got)
	}
	if got := get("properties", "spec", "properties", "env", "items", "properties", "name")["type"]; got != "string" {
		t.Errorf("spec.env[].name has type %v, want string", got)
	}
	q := get("properties", "spec", "properties", "resources", "properties", "limits", "additionalProperties")
	if q["x-kubernetes-int-or-string"] != true {
		t.Errorf("spec.resources.limits values are %v, want int-or-string quantities", q)
	}
	if got := get("properties", "metadata"); len(got) != 1 || got["type"] != "object" {
		t.Errorf("metadata schema is %v, want only type object", got)
	}
}
