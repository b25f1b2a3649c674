package httpconn

import (
	"context"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/flowline/flowline/connectors"
)

// TestWebhookSignatureVerifiesWithStandardWebhooks checks the signed
// headers with the reference Standard Webhooks library, as a receiver
// would, for each kind of body.
func TestWebhookSignatureVerifiesWithStandardWebhooks(t *testing.T) {
	secret := loopbackOptions().Secrets.(secrets)["whsec"]
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body map[string]any
	}{
		{"none", map[string]any{"type": "none"}},
		{"json", map[string]any{"type": "json", "json": map[string]any{"text": "héllo", "n": []int{1, 2}}}},
		{"raw", map[string]any{"type": "raw", "raw": "line one\nline two", "content_type": "text/plain"}},
		{"form", map[string]any{"type": "form", "fields": map[string]any{"a": "1", "b": []string{"x", "y"}}}},
	}
	srv, ch := serve(t, nil)
	c := New(loopbackOptions())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Execute(context.Background(), connectors.Request{RunID: "r1", StepID: tc.name, Config: mustJSON(t, map[string]any{
				"method": "POST", "url": srv.URL,
				"auth": map[string]any{"type": "webhook_signature", "credential": "whsec"},
				"body": tc.body,
			})})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t, ch)
			if err := wh.Verify(got.Body, got.Header); err != nil {
				t.Errorf("Verify: %v (headers %v, body %q)", err, got.Header, got.Body)
			}
			// The check has teeth: a changed body does not verify.
			if err := wh.Verify(append(got.Body, ' '), got.Header); err == nil {
				t.Error("Verify accepted a tampered body")
			}
		})
	}
}

// TestInlineSecretComesFirst checks that a secret given inline to a call
// wins over the credential store, and only in that call's context.
func TestInlineSecretComesFirst(t *testing.T) {
	srv, ch := serve(t, nil)
	c := New(loopbackOptions())
	ref := connectors.NewInlineSecretRef()
	config := mustJSON(t, map[string]any{
		"method": "GET", "url": srv.URL,
		"auth": map[string]any{"type": "bearer", "credential": ref},
	})
	ctx := connectors.WithInlineSecrets(context.Background(), map[string]string{ref: "inline-token-42"})
	res, err := c.Execute(ctx, connectors.Request{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch).Header.Get("Authorization"); got != "Bearer inline-token-42" {
		t.Errorf("Authorization = %q", got)
	}
	if s := string(res.Request); !strings.Contains(s, "[REDACTED]") || strings.Contains(s, "inline-token-42") {
		t.Errorf("recorded request %s", s)
	}
	// Without the inline secrets, the ref is an unknown credential.
	_, err = c.Execute(context.Background(), connectors.Request{Config: config})
	if kind, _, ok := kindOf(err); !ok || kind != connectors.Permanent {
		t.Errorf("without inline secrets: %v, want a permanent error", err)
	}
}
