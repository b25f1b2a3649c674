package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flowline/flowline/flows"
)

// Webhook auth types: the variants of flows.WebhookAuth.
const (
	hookAuthNone   = flows.WebhookAuthNone
	hookAuthBasic  = flows.WebhookAuthBasic
	hookAuthBearer = flows.WebhookAuthBearer
	hookAuthAPIKey = flows.WebhookAuthAPIKey
	hookAuthHMAC   = flows.WebhookAuthHMAC
)

// DefaultHookTolerance is how far a Standard Webhooks webhook-timestamp may
// be from now when the trigger's auth sets no tolerance.
const DefaultHookTolerance = flows.DefaultWebhookTolerance

// Standard Webhooks headers.
const (
	headerWebhookID        = "webhook-id"
	headerWebhookTimestamp = "webhook-timestamp"
	headerWebhookSignature = "webhook-signature"
)

// hookAuth is a webhook trigger's auth block, decoded by its type.
type hookAuth = flows.WebhookAuth

// parseHookAuth decodes a trigger's auth; absent means none.
func parseHookAuth(raw json.RawMessage) (hookAuth, error) { return flows.ParseWebhookAuth(raw) }

// hookAuthError is an authentication failure: the request is answered 401
// with the message, which says what was wrong with the request and never
// anything about the expected secret.
type hookAuthError struct{ msg string }

func (e *hookAuthError) Error() string { return e.msg }

// errHookSecret reports a credential secret that cannot be used (an hmac
// secret that is not whsec_ base64): a configuration error, not the
// caller's.
var errHookSecret = errors.New("the webhook's signing secret is not whsec_ followed by base64")

func unauthorized(format string, args ...any) error {
	return &hookAuthError{msg: fmt.Sprintf(format, args...)}
}

// verifyHook authenticates a webhook request against the trigger's auth.
// secret is the credential's secret (unused for none). Every comparison is
// constant-time.
func verifyHook(a hookAuth, secret string, h http.Header, query url.Values, body []byte, now time.Time) error {
	switch a.Type {
	case hookAuthNone:
		return nil
	case hookAuthBasic:
		user, pass, ok := basicAuth(h.Get("Authorization"))
		if !ok {
			return unauthorized("the request has no Basic Authorization header")
		}
		// Both comparisons always run, so timing tells nothing about
		// which one failed.
		okUser := equalSecret(user, a.Username)
		okPass := equalSecret(pass, secret)
		if okUser&okPass != 1 {
			return unauthorized("the user name or password is wrong")
		}
		return nil
	case hookAuthBearer:
		scheme, token, found := strings.Cut(strings.TrimSpace(h.Get("Authorization")), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return unauthorized("the request has no Bearer Authorization header")
		}
		if equalSecret(strings.TrimSpace(token), secret) != 1 {
			return unauthorized("the bearer token is wrong")
		}
		return nil
	case hookAuthAPIKey:
		var key string
		if a.In == "query" {
			key = query.Get(a.Name)
		} else {
			key = h.Get(a.Name)
		}
		if key == "" {
			return unauthorized("the request has no API key in %s %q", a.In, a.Name)
		}
		if equalSecret(key, secret) != 1 {
			return unauthorized("the API key is wrong")
		}
		return nil
	case hookAuthHMAC:
		return verifyStandardWebhook(secret, h, body, now, a.SkewTolerance())
	}
	return fmt.Errorf("verifying webhook: unknown auth type %q", a.Type)
}

// equalSecret compares in constant time; hashing first hides the length
// of the expected value too.
func equalSecret(got, want string) int {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:])
}

// basicAuth parses "Basic base64(user:password)".
func basicAuth(header string) (user, pass string, ok bool) {
	scheme, enc, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// verifyStandardWebhook checks a Standard Webhooks signature: the
// webhook-timestamp must be within tolerance of now, and one of the
// space-separated "v1,<base64>" entries of webhook-signature must be the
// HMAC-SHA256 of "id.timestamp.body" under one of the secrets. secrets may
// hold several whitespace-separated whsec_ secrets, so that a secret can be
// rotated without refusing senders still using the old one.
func verifyStandardWebhook(secrets string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts := h.Get(headerWebhookID), h.Get(headerWebhookTimestamp)
	sigs := strings.Join(h.Values(headerWebhookSignature), " ")
	if id == "" || ts == "" || strings.TrimSpace(sigs) == "" {
		return unauthorized("the request is not signed: webhook-id, webhook-timestamp and webhook-signature headers are required")
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return unauthorized("webhook-timestamp %q is not a Unix time in seconds", ts)
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew > tolerance || skew < -tolerance {
		return unauthorized("webhook-timestamp is more than %s away from the server's clock", tolerance)
	}
	keys, err := webhookKeys(secrets)
	if err != nil {
		return err
	}
	var given [][]byte
	for _, entry := range strings.Fields(sigs) {
		version, sig, found := strings.Cut(entry, ",")
		if !found || version != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(sig); err == nil {
			given = append(given, b)
		}
	}
	match := 0
	for _, key := range keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strings.TrimSpace(ts) + "."))
		mac.Write(body)
		want := mac.Sum(nil)
		for _, g := range given {
			// Keep comparing after a match: the time taken does not
			// depend on which secret or entry matched.
			match |= subtle.ConstantTimeCompare(g, want)
		}
	}
	if match != 1 {
		return unauthorized("no v1 webhook-signature matches")
	}
	return nil
}

// webhookKeys decodes whitespace-separated whsec_ secrets.
func webhookKeys(secrets string) ([][]byte, error) {
	var keys [][]byte
	for _, s := range strings.Fields(secrets) {
		s = strings.TrimPrefix(s, "whsec_")
		key, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil || len(key) == 0 {
			return nil, errHookSecret
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errHookSecret
	}
	return keys, nil
}
