package notebook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestJupyterProbe(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    time.Time
		wantErr bool
	}{
		{name: "no kernels", status: 200, body: `[]`, want: time.Time{}},
		{name: "idle kernels", status: 200, body: `[
			{"id": "k1", "name": "python3", "last_activity": "2026-01-02T03:00:00.000000Z", "execution_state": "idle", "connections": 1},
			{"id": "k2", "name": "python3", "last_activity": "2026-01-02T03:30:00.123456Z", "execution_state": "idle", "connections": 0}
		]`, want: time.Date(2026, 1, 2, 3, 30, 0, 123456000, time.UTC)},
		{name: "a busy kernel is active now", status: 200, body: `[
			{"id": "k1", "last_activity": "2026-01-02T01:00:00Z", "execution_state": "busy"}
		]`, want: t0},
		{name: "token required", status: 403, body: `{"message": "Forbidden"}`, wantErr: true},
		{name: "not json", status: 200, body: `<html>`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer server.Close()
			p := &JupyterProbe{
				BaseURL: func(*mlv1alpha1.Notebook) string { return server.URL + "/" },
				Clock:   testingclock.NewFakeClock(t0),
			}
			got, err := p.LastActivity(context.Background(), makeNotebook("a"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("LastActivity error = %v, want error %v", err, tc.wantErr)
			}
			if path != "/api/kernels" {
				t.Errorf("probed %q, want /api/kernels", path)
			}
			if !got.Equal(tc.want) {
				t.Errorf("LastActivity = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestJupyterProbeURL checks that the probe goes through the notebook's
// Service by default.
func TestJupyterProbeURL(t *testing.T) {
	var asked string
	p := &JupyterProbe{Client: &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		asked = r.URL.String()
		return nil, context.Canceled
	})}}
	if _, err := p.LastActivity(context.Background(), makeNotebook("a")); err == nil {
		t.Errorf("no error from a failed request")
	}
	if asked != "http://a.ns.svc:8888/api/kernels" {
		t.Errorf("probed %q", asked)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
