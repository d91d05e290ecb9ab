package badinput

import (
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

func TestMalformedJSONIsRejected(t *testing.T) {
	for _, k := range mltesting.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			head := `{"apiVersion":"ml.example.io/v1alpha1","kind":"` + k.Name + `","metadata":{"name":"broken"`
			bodies := map[string]string{
				"truncated":        head + `},"spec":{`,
				"not JSON":         `apiVersion: ml.example.io/v1alpha1`,
				"labels not a map": head + `,"labels":"team=ml"}}`,
				"trailing garbage": head + `}}}`,
			}
			for name, b := range bodies {
				code, err := post(ctx, cs, ns, k.Resource, []byte(b))
				if code != http.StatusBadRequest || !apierrors.IsBadRequest(err) {
					t.Errorf("%s: want 400 Bad Request, got %d: %v", name, code, err)
				}
			}
			expectNothingStored(ctx, t, cs, ns, k)
		})
	}
}
