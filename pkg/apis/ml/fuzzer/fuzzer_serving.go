package fuzzer

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/randfill"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// servingFuncs are the fuzzer functions of the serving runtime types.
var servingFuncs = []interface{}{
	fuzzServingRuntimeRef,
	fuzzGRPCAction,
}

// fuzzServingRuntimeRef sets the kind the defaulter would.
func fuzzServingRuntimeRef(s *ml.ServingRuntimeRef, c randfill.Continue) {
	c.FillNoCustom(s)
	s.Kind = oneOf(c, ml.ClusterServingRuntimeKind, ml.ServingRuntimeKindName)
}

// fuzzGRPCAction sets the service of a probe's gRPC action, which the
// generated defaulters default to "" (a readiness probe of a serving
// runtime or Model may have one).
func fuzzGRPCAction(s *corev1.GRPCAction, c randfill.Continue) {
	c.FillNoCustom(s)
	if s.Service == nil {
		empty := ""
		s.Service = &empty
	}
}
