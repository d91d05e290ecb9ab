package patchops

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMalformed(t *testing.T) {
	cases := []struct {
		name, patch string
		want        []string
	}{
		{name: "valid", patch: `[{"op":"add","path":"/a","value":1},{"op":"remove","path":""},{"op":"move","from":"/a","path":"/b"}]`},
		{name: "unknown op", patch: `[{"op":"frobnicate","path":"/spec/x"}]`,
			want: []string{`json patch operation 0 (frobnicate /spec/x): unknown op "frobnicate": must be one of add, remove, replace, move, copy, test`}},
		{name: "no op", patch: `[{"path":"/a"}]`,
			want: []string{`json patch operation 0 (/a): "op" is required and must be a string: one of add, remove, replace, move, copy, test`}},
		{name: "no path, no value", patch: `[{"op":"test","path":"/a","value":null},{"op":"replace"}]`,
			want: []string{`json patch operation 1 (replace): "path" is required`, `json patch operation 1 (replace): "replace" needs a "value"`}},
		{name: "from not a pointer", patch: `[{"op":"copy","path":"/a","from":"b"}]`,
			want: []string{`json patch operation 0 (copy /a): "from" "b" must be a JSON pointer: empty or starting with /`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var raw []map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tc.patch), &raw); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, malformed(raw)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPassesOtherRequests checks that the filter leaves alone what is not a
// JSON patch of the group, and the body of a JSON patch it lets through.
func TestPassesOtherRequests(t *testing.T) {
	var got string
	h := WithOperationErrors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.WriteHeader(http.StatusTeapot)
	}), "/apis/ml.example.io/", 1<<20)
	for _, tc := range []struct{ path, contentType, body string }{
		{"/apis/ml.example.io/v1alpha1/namespaces/a/pipelines/p", "application/merge-patch+json", `{"op":1}`},
		{"/apis/other.io/v1/namespaces/a/things/p", "application/json-patch+json", `[{"op":"frobnicate"}]`},
		{"/apis/ml.example.io/v1alpha1/namespaces/a/pipelines/p", "application/json-patch+json", `[{"op":"remove","path":"/a"}]`},
		{"/apis/ml.example.io/v1alpha1/namespaces/a/pipelines/p", "application/json-patch+json", `not json`},
	} {
		req := httptest.NewRequest(http.MethodPatch, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusTeapot || got != tc.body {
			t.Errorf("%s %s: code %d, handler read %q; want it passed through", tc.contentType, tc.path, rec.Code, got)
		}
	}
	req := httptest.NewRequest(http.MethodPatch, "/apis/ml.example.io/v1alpha1/namespaces/a/pipelines/p", strings.NewReader(`[{"op":"frobnicate","path":"/x"}]`))
	req.Header.Set("Content-Type", "application/json-patch+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "json patch operation 0 (frobnicate /x)") {
		t.Errorf("unknown op: code %d, body %s; want 422 naming the operation", rec.Code, rec.Body)
	}
}
