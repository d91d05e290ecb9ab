package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

const (
	// CookieName is the cookie that carries the token after the first
	// visit.
	CookieName = "ml_dashboard"
	// tokenParam is the query parameter of the first visit's URL.
	tokenParam = "token"
	// tokenBytes is the token's entropy: 256 bits.
	tokenBytes = 32
)

// NewToken returns a random token: 32 bytes from crypto/rand, base64url
// without padding.
func NewToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// unauthorizedText is the body of a 401: the only way in is the URL that
// `kubectl ml dashboard` prints.
const unauthorizedText = "Unauthorized: open the dashboard with the URL that `kubectl ml dashboard` printed (it carries the token).\n"

// withToken lets through the requests that carry the token, as the cookie
// or as a bearer token. The first visit, GET /?token=T, sets the cookie
// and redirects to / so that the token leaves the address bar and the
// history.
func (s *Server) withToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.URL.Query().Has(tokenParam) {
			if r.Method != http.MethodGet || !s.validToken(r.URL.Query().Get(tokenParam)) {
				http.Error(w, unauthorizedText, http.StatusUnauthorized)
				return
			}
			http.SetCookie(w, &http.Cookie{
				Name:     CookieName,
				Value:    s.token,
				Path:     "/",
				HttpOnly: true,
				SameSite: http.SameSiteStrictMode,
			})
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if !s.validToken(requestToken(r)) {
			http.Error(w, unauthorizedText, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestToken is the token a request carries: the bearer token, else the
// cookie's.
func requestToken(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

// validToken compares in constant time.
func (s *Server) validToken(t string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}
