package servingruntimeresolve

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func servingRuntime(kind ml.ServingRuntimeKind, name string, formats ...ml.SupportedModelFormat) Candidate {
	return Candidate{Kind: kind, Name: name, Spec: &ml.ServingRuntimeSpec{
		SupportedModelFormats: formats,
		Container:             ml.ModelRuntime{Image: name + ":v1"},
	}}
}

func auto(name, version string, priority int32) ml.SupportedModelFormat {
	return ml.SupportedModelFormat{Name: name, Version: version, AutoSelect: true, Priority: priority}
}

const (
	cluster = ml.ClusterServingRuntimeKind
	local   = ml.ServingRuntimeKindName
)

func TestSelect(t *testing.T) {
	disabled := servingRuntime(local, "off", auto("sklearn", "", 100))
	disabled.Spec.Disabled = true
	tests := []struct {
		name            string
		format, version string
		candidates      []Candidate
		want            string // kind/name, "" for no match
	}{
		{name: "none", format: "sklearn", want: ""},
		{name: "one cluster runtime", format: "sklearn",
			candidates: []Candidate{servingRuntime(cluster, "sk", auto("sklearn", "", 0))}, want: "ClusterServingRuntime/sk"},
		{name: "format names match case-insensitively", format: "SKLearn",
			candidates: []Candidate{servingRuntime(cluster, "sk", auto("sklearn", "", 0))}, want: "ClusterServingRuntime/sk"},
		{name: "other format", format: "onnx",
			candidates: []Candidate{servingRuntime(cluster, "sk", auto("sklearn", "", 0))}, want: ""},
		{name: "autoSelect false is never picked by format", format: "sklearn",
			candidates: []Candidate{servingRuntime(cluster, "sk", ml.SupportedModelFormat{Name: "sklearn", Priority: 9})}, want: ""},
		{name: "disabled runtime is never picked", format: "sklearn",
			candidates: []Candidate{disabled}, want: ""},
		{name: "highest priority wins", format: "sklearn",
			candidates: []Candidate{
				servingRuntime(cluster, "a", auto("sklearn", "", 1)),
				servingRuntime(cluster, "b", auto("sklearn", "", 5)),
				servingRuntime(cluster, "c", auto("sklearn", "", 3)),
			}, want: "ClusterServingRuntime/b"},
		{name: "tie goes to the first name", format: "sklearn",
			candidates: []Candidate{
				servingRuntime(cluster, "zeta", auto("sklearn", "", 2)),
				servingRuntime(cluster, "alpha", auto("sklearn", "", 2)),
			}, want: "ClusterServingRuntime/alpha"},
		{name: "namespaced wins over a cluster runtime of higher priority", format: "sklearn",
			candidates: []Candidate{
				servingRuntime(cluster, "a", auto("sklearn", "", 100)),
				servingRuntime(local, "mine", auto("sklearn", "", 0)),
			}, want: "ServingRuntime/mine"},
		{name: "a namespaced runtime without the format does not win", format: "sklearn",
			candidates: []Candidate{
				servingRuntime(cluster, "a", auto("sklearn", "", 0)),
				servingRuntime(local, "mine", auto("onnx", "", 9)),
			}, want: "ClusterServingRuntime/a"},
		{name: "version must match when both set", format: "xgboost", version: "2",
			candidates: []Candidate{
				servingRuntime(cluster, "v1", auto("xgboost", "1", 9)),
				servingRuntime(cluster, "v2", auto("xgboost", "2", 0)),
			}, want: "ClusterServingRuntime/v2"},
		{name: "no runtime of the version", format: "xgboost", version: "3",
			candidates: []Candidate{servingRuntime(cluster, "v1", auto("xgboost", "1", 9))}, want: ""},
		{name: "runtime without a version serves every version", format: "xgboost", version: "3",
			candidates: []Candidate{servingRuntime(cluster, "any", auto("xgboost", "", 0))}, want: "ClusterServingRuntime/any"},
		{name: "model without a version takes any version", format: "xgboost",
			candidates: []Candidate{servingRuntime(cluster, "v1", auto("xgboost", "1", 0))}, want: "ClusterServingRuntime/v1"},
		{name: "the best entry of a runtime counts", format: "sklearn",
			candidates: []Candidate{
				servingRuntime(cluster, "a", auto("sklearn", "", 1), auto("sklearn", "1", 7)),
				servingRuntime(cluster, "b", auto("sklearn", "", 5)),
			}, want: "ClusterServingRuntime/a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Select(tc.format, tc.version, tc.candidates)
			gotName := ""
			if ok {
				gotName = string(got.Kind) + "/" + got.Name
			}
			if gotName != tc.want {
				t.Errorf("Select(%q, %q) = %q, want %q", tc.format, tc.version, gotName, tc.want)
			}
		})
	}
}

func TestSupports(t *testing.T) {
	spec := servingRuntime(cluster, "sk", ml.SupportedModelFormat{Name: "sklearn", Version: "1"}).Spec
	if !Supports(spec, "sklearn", "1") || !Supports(spec, "sklearn", "") {
		t.Errorf("a runtime listing sklearn 1 (autoSelect false) should support it when named")
	}
	if Supports(spec, "sklearn", "2") || Supports(spec, "onnx", "") {
		t.Errorf("a runtime listing sklearn 1 should not support sklearn 2 or onnx")
	}
}
