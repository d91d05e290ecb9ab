package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"

	mlfuzzer "ml.example.io/ml-apiserver/pkg/apis/ml/fuzzer"
)

// TestRoundTripTypes fills every internal kind of the group at random and
// checks that internal -> v1alpha1 -> JSON -> v1alpha1 (defaulted) ->
// internal loses nothing. The group has no protobuf encoding, so there is no
// protobuf round trip.
func TestRoundTripTypes(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, Install, mlfuzzer.Funcs)
}
