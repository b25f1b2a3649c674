package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// eventKey is an event's key (its Idempotency-Key, or its event_id) with
// a hash of the request body, for the run service to record with the
// event's runs. Spacing and key order do not make a body different.
func eventKey(c *gin.Context, key string, body []byte) (*engine.RequestKey, bool) {
	canon, err := canonicalJSON(body)
	if err != nil {
		internalError(c, "hashing the event", err)
		return nil, false
	}
	sum := sha256.Sum256(canon)
	return &engine.RequestKey{Key: key, RequestHash: hex.EncodeToString(sum[:])}, true
}

// keyReused answers 422 naming an event's key (its event_id when
// fromBody) that was used before with a different body: the first
// request's runs are not what this one asked for.
func keyReused(c *gin.Context, key string, fromBody bool) {
	if fromBody {
		msg := fmt.Sprintf("event_id %q was already used with a different request body; repeat the same body, or use a new event_id", key)
		problem(c, http.StatusUnprocessableEntity, msg, flows.Problem{Pointer: "/event_id", Message: msg})
		return
	}
	problemf(c, http.StatusUnprocessableEntity, "Idempotency-Key %q was already used with a different request body; repeat the same body, or use a new key", key)
}
