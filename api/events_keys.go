package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// rememberEventKey records an event's key (its Idempotency-Key, or its
// event_id when fromBody) with a hash of the request body. A key that was
// used before with a different body is answered 422 naming it, and false
// is returned: the first request's runs are not what this one asked for.
// Spacing and key order do not make a body different.
func (s *server) rememberEventKey(c *gin.Context, key string, fromBody bool, body []byte) bool {
	canon, err := canonicalJSON(body)
	if err != nil {
		internalError(c, "hashing the event", err)
		return false
	}
	sum := sha256.Sum256(canon)
	err = s.store.RememberEventKey(c.Request.Context(), key, hex.EncodeToString(sum[:]))
	if errors.Is(err, store.ErrKeyReused) {
		if fromBody {
			msg := fmt.Sprintf("event_id %q was already used with a different request body; repeat the same body, or use a new event_id", key)
			problem(c, http.StatusUnprocessableEntity, msg, flows.Problem{Pointer: "/event_id", Message: msg})
			return false
		}
		problemf(c, http.StatusUnprocessableEntity, "Idempotency-Key %q was already used with a different request body; repeat the same body, or use a new key", key)
		return false
	}
	if err != nil {
		internalError(c, "recording the event's key", err)
		return false
	}
	return true
}
