package badinput

import (
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestUnknownFieldsWithStrictValidation(t *testing.T) {
	for _, k := range mltesting.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			obj := body(t, k, k.New("unknown-field", ns))
			obj["spec"].(map[string]any)["replicaz"] = 2
			data := marshal(t, obj)

			code, err := post(ctx, cs, ns, k.Resource, data, "fieldValidation", "Strict")
			if code != http.StatusBadRequest || !apierrors.IsBadRequest(err) {
				t.Fatalf("strict create with an unknown field: want 400 Bad Request, got %d: %v", code, err)
			}
			if want := `unknown field "spec.replicaz"`; !strings.Contains(err.Error(), want) {
				t.Errorf("the error %q does not say %s", err, want)
			}
			expectNothingStored(ctx, t, cs, ns, k)

			// Without strict validation the same body is fine: only the
			// unknown field made it fail.
			if code, err := post(ctx, cs, ns, k.Resource, data, "fieldValidation", "Ignore"); code != http.StatusCreated {
				t.Errorf("create ignoring unknown fields: want 201 Created, got %d: %v", code, err)
			}
		})
	}
}
