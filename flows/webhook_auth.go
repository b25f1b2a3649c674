package flows

import (
	"encoding/json"
	"fmt"
	"time"
)

// Webhook auth types (schemas/flow.schema.json, $defs/webhook_auth): the
// variants of WebhookAuth, named by its "type".
const (
	WebhookAuthNone   = "none"
	WebhookAuthBasic  = "basic"
	WebhookAuthBearer = "bearer"
	WebhookAuthAPIKey = "api_key"
	WebhookAuthHMAC   = "hmac"
)

// DefaultWebhookTolerance is how far a Standard Webhooks
// webhook-timestamp may be from now when the trigger's auth sets no
// tolerance.
const DefaultWebhookTolerance = 5 * time.Minute

// WebhookAuth is a webhook trigger's auth block, a union decoded by its
// type: basic reads Username and Credential, bearer and hmac Credential,
// api_key Credential, Name and In (header or query), hmac Tolerance.
type WebhookAuth struct {
	Type       string `json:"type"`
	Username   string `json:"username"`
	Credential string `json:"credential"`
	Name       string `json:"name"`
	In         string `json:"in"`
	Tolerance  string `json:"tolerance"`
}

// ParseWebhookAuth decodes a trigger's auth; absent means none.
func ParseWebhookAuth(raw json.RawMessage) (WebhookAuth, error) {
	a := WebhookAuth{Type: WebhookAuthNone}
	if len(raw) == 0 || string(raw) == "null" {
		return a, nil
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, fmt.Errorf("decoding webhook auth: %w", err)
	}
	switch a.Type {
	case WebhookAuthNone, WebhookAuthBasic, WebhookAuthBearer, WebhookAuthAPIKey, WebhookAuthHMAC:
	default:
		return a, fmt.Errorf("decoding webhook auth: unknown type %q", a.Type)
	}
	return a, nil
}

// SkewTolerance is the accepted clock skew of an hmac webhook-timestamp.
func (a WebhookAuth) SkewTolerance() time.Duration {
	if d, err := time.ParseDuration(a.Tolerance); err == nil && d > 0 {
		return d
	}
	return DefaultWebhookTolerance
}
