package testing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// The New builders leave defaults to the server, as a client does: the
// server's defaulting changes the object of every kind that has spec
// defaults (a minimal Pipeline or PipelineRun has none to set). The
// integration tests that check what the server defaults rely on it. And
// each kind's New sets its Field to Values[0], as the generic tests that
// change it expect.
func TestNewLeavesDefaultsToServer(t *testing.T) {
	hasDefaults := map[string]bool{"TrainingJob": true, "Model": true, "Notebook": true, "TuningJob": true}
	scheme := runtime.NewScheme()
	if err := mlv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			sent := k.New("a", "ns")
			defaulted := sent.DeepCopyObject()
			scheme.Default(defaulted)
			if hasDefaults[k.Name] && cmp.Equal(sent, defaulted) {
				t.Errorf("%s from New is already defaulted: %+v", k.Name, sent)
			}
			if got := FieldValue(t, sent, k.Field...); got != k.Values[0] {
				t.Errorf("%s from New: %v is %v, want Values[0] %v", k.Name, k.Field, got, k.Values[0])
			}
		})
	}
}
