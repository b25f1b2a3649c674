package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// auth guards /api/v1 with the API token when one is configured.
func (s *server) auth(c *gin.Context) {
	if s.authorized(c) {
		c.Next()
	}
}

// authorized reports whether the request carries the API token (or none is
// configured); if not, it answers 401 with a Bearer challenge.
func (s *server) authorized(c *gin.Context) bool {
	if s.token == "" {
		return true
	}
	header := c.GetHeader("Authorization")
	scheme, given, found := strings.Cut(strings.TrimSpace(header), " ")
	if header == "" || !found || !strings.EqualFold(scheme, "Bearer") {
		c.Header("WWW-Authenticate", `Bearer realm="flowline"`)
		problem(c, http.StatusUnauthorized, "this call needs an Authorization: Bearer <token> header")
		return false
	}
	if !tokenEqual(strings.TrimSpace(given), s.token) {
		c.Header("WWW-Authenticate", `Bearer realm="flowline", error="invalid_token"`)
		problem(c, http.StatusUnauthorized, "the bearer token is not valid")
		return false
	}
	return true
}

// tokenEqual compares in constant time. Hashing first makes the time
// independent of the lengths too.
func tokenEqual(given, want string) bool {
	g := sha256.Sum256([]byte(given))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
