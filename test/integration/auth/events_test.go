package auth

import (
	"net/http"
	"strings"
	"testing"
)

// TestWhoMayListEvents checks that the core/v1 Events of standalone mode
// are, like everything else, the admin's only.
func TestWhoMayListEvents(t *testing.T) {
	const path = "/api/v1/namespaces/default/events"
	tests := []struct {
		id      identity
		code    int
		message string
	}{
		{identity{"admin", admin}, http.StatusOK, `"kind":"EventList"`},
		{identity{"anonymous", anonymous}, http.StatusUnauthorized, `"reason":"Unauthorized"`},
		{identity{"user outside system:masters", user("alice", "ml-users")}, http.StatusForbidden, `User \"alice\" cannot list resource \"events\"`},
	}
	for _, tc := range tests {
		t.Run(tc.id.name, func(t *testing.T) {
			code, body := get(t.Context(), t, tc.id.config(t), path)
			if code != tc.code {
				t.Errorf("GET %s: status %d, want %d: %s", path, code, tc.code, body)
			}
			if !strings.Contains(string(body), tc.message) {
				t.Errorf("GET %s: the body does not contain %s: %s", path, tc.message, body)
			}
		})
	}
}
