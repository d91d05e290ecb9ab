package auth

import (
	"net/http"
	"strings"
	"testing"
)

func TestWhoMayListTrainingJobs(t *testing.T) {
	tests := []struct {
		id   identity
		code int
		// message is part of the body the server must answer with.
		message string
	}{
		{identity{"admin", admin}, http.StatusOK, `"kind":"TrainingJobList"`},
		{identity{"anonymous", anonymous}, http.StatusUnauthorized, `"reason":"Unauthorized"`},
		{identity{"certificate from another CA", strangerCA}, http.StatusUnauthorized, `"reason":"Unauthorized"`},
		{identity{"user outside system:masters", user("alice", "ml-users")}, http.StatusForbidden, `User \"alice\" cannot list resource \"trainingjobs\"`},
	}
	for _, tc := range tests {
		t.Run(tc.id.name, func(t *testing.T) {
			code, body := get(t.Context(), t, tc.id.config(t), trainingJobsPath)
			if code != tc.code {
				t.Errorf("GET %s: status %d, want %d: %s", trainingJobsPath, code, tc.code, body)
			}
			if !strings.Contains(string(body), tc.message) {
				t.Errorf("GET %s: the body does not contain %s: %s", trainingJobsPath, tc.message, body)
			}
		})
	}
}

func TestEndpointsAnswerTheAdmin(t *testing.T) {
	tests := []struct {
		path string
		// contains is part of a healthy answer.
		contains string
		// anonymousCode is what a request without a certificate gets:
		// health checks are open to probes, nothing else is.
		anonymousCode int
	}{
		{"/healthz", "ok", http.StatusOK},
		{"/livez", "ok", http.StatusOK},
		{"/readyz", "ok", http.StatusOK},
		{"/readyz?verbose", "readyz check passed", http.StatusOK},
		{"/openapi/v2", `"io.example.ml.ml-apiserver.pkg.apis.ml.v1alpha1.TrainingJob"`, http.StatusUnauthorized},
		{"/openapi/v3", `"apis/ml.example.io/v1alpha1"`, http.StatusUnauthorized},
		{"/openapi/v3/apis/ml.example.io/v1alpha1", `"io.example.ml.ml-apiserver.pkg.apis.ml.v1alpha1.PipelineRun"`, http.StatusUnauthorized},
		{"/metrics", "apiserver_request_total", http.StatusUnauthorized},
		{"/apis/ml.example.io/v1alpha1", `"name":"trainingjobs"`, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, body := get(t.Context(), t, admin(t), tc.path)
			if code != http.StatusOK {
				t.Errorf("admin GET %s: status %d, want 200: %.300s", tc.path, code, body)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("admin GET %s: the body does not contain %s: %.300s", tc.path, tc.contains, body)
			}
			if code, body := get(t.Context(), t, anonymous(t), tc.path); code != tc.anonymousCode {
				t.Errorf("anonymous GET %s: status %d, want %d: %.300s", tc.path, code, tc.anonymousCode, body)
			}
		})
	}
}
