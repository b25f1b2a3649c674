package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/internal/store"
)

// publishUnchanged answers a publish whose draft is the newest published
// version already, and reports whether it did: no identical version is
// made; the answer is 200 with that version, "unchanged": true and a
// message. A disabled flow is enabled, as publishing does, all or
// nothing (changeEnabled).
func (s *server) publishUnchanged(c *gin.Context, f *store.Flow) bool {
	if f.PublishedVersion == nil {
		return false
	}
	ctx := c.Request.Context()
	v, err := s.store.LatestVersion(ctx, f.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		storeError(c, "reading the published version", err)
		return true
	}
	if !sameJSON(f.Draft, v.Document) {
		return false
	}
	msg := fmt.Sprintf("the draft is identical to version %d; no new version was made", v.Version)
	if !f.Enabled {
		var ok bool
		if f, ok = s.changeEnabled(c, f, true); !ok {
			return true
		}
		msg += "; the flow is enabled again"
	}
	respond(c, http.StatusOK, PublishResult{Flow: s.flowInfo(c, f), Version: v, Unchanged: true, Message: msg})
	return true
}

// sameJSON reports whether two JSON documents are the same value, whatever
// their spacing or key order.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, errA := canonicalJSON(a)
	cb, errB := canonicalJSON(b)
	return errA == nil && errB == nil && bytes.Equal(ca, cb)
}

// canonicalJSON re-encodes a JSON document with sorted keys and no
// spacing; numbers keep their spelling.
func canonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return out, nil
}
