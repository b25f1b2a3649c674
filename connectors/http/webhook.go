package httpconn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/flowline/flowline/connectors"
)

// webhookKey decodes a Standard Webhooks signing secret: "whsec_" followed
// by the base64 key.
func webhookKey(secret string) ([]byte, error) {
	s := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil || len(key) == 0 {
		return nil, errors.New("signing secret is not whsec_ followed by base64")
	}
	return key, nil
}

// webhookID is the message id of a signed request: the same for every
// attempt of one step of one run, so receivers can drop duplicates.
func webhookID(req connectors.Request) string {
	if req.IdempotencyKey != "" {
		return req.IdempotencyKey
	}
	if req.RunID != "" || req.StepID != "" {
		sum := sha256.Sum256([]byte(req.RunID + "\x00" + req.StepID))
		return "msg_" + hex.EncodeToString(sum[:12])
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "msg_" + hex.EncodeToString(b[:])
}

// signWebhook sets the Standard Webhooks headers: webhook-signature is
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
func (c *Connector) signWebhook(h http.Header, pr *preparedRequest, secret string) {
	key, _ := webhookKey(secret) // checked in resolveAuth
	ts := strconv.FormatInt(c.now().Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(pr.webhookID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(pr.body.data)
	h.Set("webhook-id", pr.webhookID)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}
