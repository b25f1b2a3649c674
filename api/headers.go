package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// MaxHeaderBytes is the largest request line plus headers the API
// accepts; past it the answer is a 431 problem.
const MaxHeaderBytes = 64 << 10

// ServerMaxHeaderBytes is what the HTTP server that serves the API must be
// given as http.Server.MaxHeaderBytes: well above MaxHeaderBytes, so that
// requests between the two reach limitHeaders and get a problem document.
// Past it Go's server answers 431 itself, in plain text, before any
// handler runs.
const ServerMaxHeaderBytes = 1 << 20

// maxIdempotencyKey is the longest Idempotency-Key (or webhook-id) header
// accepted, in characters: the same cap as an event's event_id.
const maxIdempotencyKey = 200

// limitHeaders answers 431 with a problem when the request line and
// headers together exceed MaxHeaderBytes, counted as they were sent.
func (s *server) limitHeaders(c *gin.Context) {
	r := c.Request
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	if n > MaxHeaderBytes {
		c.Header("Connection", "close")
		problemf(c, http.StatusRequestHeaderFieldsTooLarge, "the request line and headers are %d bytes; the limit is %d", n, MaxHeaderBytes)
		return
	}
	c.Next()
}

// idempotencyKey returns the first of the named headers that is set,
// trimmed. A key longer than maxIdempotencyKey characters is answered 400
// and ok is false.
func idempotencyKey(c *gin.Context, names ...string) (key string, ok bool) {
	for _, name := range names {
		key = strings.TrimSpace(c.GetHeader(name))
		if key == "" {
			continue
		}
		if n := utf8.RuneCountInString(key); n > maxIdempotencyKey {
			problemf(c, http.StatusBadRequest, "the %s header is %d characters; at most %d are allowed", name, n, maxIdempotencyKey)
			return "", false
		}
		return key, true
	}
	return "", true
}
