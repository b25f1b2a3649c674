package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

// signed returns Standard Webhooks headers for body, signed by the
// library with secret at ts.
func signed(t *testing.T, secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestVerifyStandardWebhook(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"order":42}`)
	hmacAuth := hookAuth{Type: hookAuthHMAC}
	tests := []struct {
		name    string
		auth    hookAuth
		secret  string
		headers func() http.Header
		body    []byte
		ok      bool
	}{
		{"signed", hmacAuth, secretA, func() http.Header { return signed(t, secretA, "msg_1", now, body) }, body, true},
		{"old secret during rotation", hmacAuth, secretB + " " + secretA,
			func() http.Header { return signed(t, secretA, "msg_1", now, body) }, body, true},
		{"new secret during rotation", hmacAuth, secretA + "\n" + secretB,
			func() http.Header { return signed(t, secretB, "msg_1", now, body) }, body, true},
		{"sender sends several signatures", hmacAuth, secretB, func() http.Header {
			h := signed(t, secretA, "msg_1", now, body)
			h.Set("webhook-signature", "v2,abc "+h.Get("webhook-signature")+" "+signed(t, secretB, "msg_1", now, body).Get("webhook-signature"))
			return h
		}, body, true},
		{"within tolerance", hmacAuth, secretA, func() http.Header { return signed(t, secretA, "msg_1", now.Add(-4*time.Minute), body) }, body, true},
		{"stale", hmacAuth, secretA, func() http.Header { return signed(t, secretA, "msg_1", now.Add(-6*time.Minute), body) }, body, false},
		{"from the future", hmacAuth, secretA, func() http.Header { return signed(t, secretA, "msg_1", now.Add(6*time.Minute), body) }, body, false},
		{"custom tolerance", hookAuth{Type: hookAuthHMAC, Tolerance: "10m"}, secretA,
			func() http.Header { return signed(t, secretA, "msg_1", now.Add(-6*time.Minute), body) }, body, true},
		{"other secret", hmacAuth, secretB, func() http.Header { return signed(t, secretA, "msg_1", now, body) }, body, false},
		{"body changed", hmacAuth, secretA, func() http.Header { return signed(t, secretA, "msg_1", now, body) }, []byte(`{"order":43}`), false},
		{"id changed", hmacAuth, secretA, func() http.Header {
			h := signed(t, secretA, "msg_1", now, body)
			h.Set("webhook-id", "msg_2")
			return h
		}, body, false},
		{"unsigned", hmacAuth, secretA, func() http.Header { return http.Header{} }, body, false},
		{"bad timestamp", hmacAuth, secretA, func() http.Header {
			h := signed(t, secretA, "msg_1", now, body)
			h.Set("webhook-timestamp", "yesterday")
			return h
		}, body, false},
		{"wrong version", hmacAuth, secretA, func() http.Header {
			h := signed(t, secretA, "msg_1", now, body)
			h.Set("webhook-signature", "v1a"+h.Get("webhook-signature")[2:])
			return h
		}, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyHook(tt.auth, tt.secret, tt.headers(), url.Values{}, tt.body, now)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			var authErr *hookAuthError
			if !tt.ok && !errors.As(err, &authErr) {
				t.Fatalf("got %v, want an authentication failure", err)
			}
		})
	}
}

func TestVerifyStandardWebhookBadSecretIsConfigError(t *testing.T) {
	now := time.Now()
	h := signed(t, secretA, "msg_1", now, nil)
	err := verifyHook(hookAuth{Type: hookAuthHMAC}, "whsec_!!!", h, nil, nil, now)
	if !errors.Is(err, errHookSecret) {
		t.Fatalf("got %v, want errHookSecret", err)
	}
}

func TestVerifyHookCredentials(t *testing.T) {
	basic := func(u, p string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))}}
	}
	header := func(k, v string) http.Header { h := http.Header{}; h.Set(k, v); return h }
	tests := []struct {
		name    string
		auth    hookAuth
		headers http.Header
		query   url.Values
		ok      bool
	}{
		{"none", hookAuth{Type: hookAuthNone}, nil, nil, true},
		{"basic", hookAuth{Type: hookAuthBasic, Username: "zapier"}, basic("zapier", "s3cret"), nil, true},
		{"basic wrong password", hookAuth{Type: hookAuthBasic, Username: "zapier"}, basic("zapier", "nope"), nil, false},
		{"basic wrong user", hookAuth{Type: hookAuthBasic, Username: "zapier"}, basic("other", "s3cret"), nil, false},
		{"basic missing", hookAuth{Type: hookAuthBasic, Username: "zapier"}, nil, nil, false},
		{"bearer", hookAuth{Type: hookAuthBearer}, header("Authorization", "Bearer s3cret"), nil, true},
		{"bearer lower case scheme", hookAuth{Type: hookAuthBearer}, header("Authorization", "bearer s3cret"), nil, true},
		{"bearer wrong", hookAuth{Type: hookAuthBearer}, header("Authorization", "Bearer s3cre"), nil, false},
		{"bearer as basic", hookAuth{Type: hookAuthBearer}, basic("s3cret", ""), nil, false},
		{"api key header", hookAuth{Type: hookAuthAPIKey, In: "header", Name: "X-API-Key"}, header("x-api-key", "s3cret"), nil, true},
		{"api key header wrong", hookAuth{Type: hookAuthAPIKey, In: "header", Name: "X-API-Key"}, header("X-API-Key", "x"), nil, false},
		{"api key query", hookAuth{Type: hookAuthAPIKey, In: "query", Name: "key"}, nil, url.Values{"key": {"s3cret"}}, true},
		{"api key query missing", hookAuth{Type: hookAuthAPIKey, In: "query", Name: "key"}, header("key", "s3cret"), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.headers
			if h == nil {
				h = http.Header{}
			}
			err := verifyHook(tt.auth, "s3cret", h, tt.query, nil, time.Now())
			if tt.ok != (err == nil) {
				t.Fatalf("verifyHook = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestHookHeadersDropSecrets(t *testing.T) {
	h := http.Header{}
	for _, k := range []string{"Authorization", "Cookie", "X-Api-Key", "Webhook-Signature", "Webhook-Id", "X-Trace"} {
		h.Set(k, "v")
	}
	raw, err := hookHeaders(h, hookAuth{Type: hookAuthAPIKey, In: "header", Name: "X-API-Key"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(raw); got != `{"webhook-id":"v","x-trace":"v"}` {
		t.Errorf("headers %s", got)
	}
	q, _ := hookQuery(url.Values{"key": {"s"}, "a": {"1"}, "b": {"1", "2"}}, hookAuth{Type: hookAuthAPIKey, In: "query", Name: "key"})
	if string(q) != `{"a":"1","b":["1","2"]}` {
		t.Errorf("query %s", q)
	}
}
