package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"

	mlfuzzer "ml.example.io/ml-apiserver/pkg/apis/ml/fuzzer"
)

// TestRoundTripTypes fills every internal kind of the group at random and
// checks that internal -> v1alpha1 -> JSON -> v1alpha1 (defaulted) ->
// internal loses nothing.
func TestRoundTripTypes(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, Install, mlfuzzer.Funcs)
}

// TestRoundTripProtobuf does the same through the generated protobuf
// encoding (generated.pb.go), which the server serves and stores: a field
// the encoding drops or mangles fails here.
func TestRoundTripProtobuf(t *testing.T) {
	roundtrip.RoundTripProtobufTestForAPIGroup(t, Install, mlfuzzer.Funcs)
}
