package httpconn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

func newHTTPBin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpbin.New())
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthAgainstHTTPBin(t *testing.T) {
	srv := newHTTPBin(t)
	opts := loopbackOptions()
	opts.Secrets = secrets{"pw": "passwd", "wrong": "nope-nope", "tok": "tok-123456"}
	c := New(opts)
	tests := []struct {
		name     string
		path     string
		auth     map[string]any
		wantCode int
		wantKind connectors.Kind
	}{
		{"basic", "/basic-auth/user/passwd", map[string]any{"type": "basic", "username": "user", "credential": "pw"}, 200, 0},
		{"basic wrong password", "/basic-auth/user/passwd", map[string]any{"type": "basic", "username": "user", "credential": "wrong"}, 401, connectors.Permanent},
		{"bearer", "/bearer", map[string]any{"type": "bearer", "credential": "tok"}, 200, 0},
		{"bearer missing", "/bearer", nil, 401, connectors.Permanent},
		{"digest md5", "/digest-auth/auth/user/passwd/MD5", map[string]any{"type": "digest", "username": "user", "credential": "pw"}, 200, 0},
		{"digest sha-256", "/digest-auth/auth/user/passwd/SHA-256", map[string]any{"type": "digest", "username": "user", "credential": "pw"}, 200, 0},
		{"digest default algorithm", "/digest-auth/auth/user/passwd", map[string]any{"type": "digest", "username": "user", "credential": "pw"}, 200, 0},
		{"digest wrong password", "/digest-auth/auth/user/passwd/SHA-256", map[string]any{"type": "digest", "username": "user", "credential": "wrong"}, 401, connectors.Permanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := map[string]any{"url": srv.URL + tc.path + "?x=1"}
			if tc.auth != nil {
				cfg["auth"] = tc.auth
			}
			res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, cfg)})
			out := decodeOutput(t, res)
			if out.Status != tc.wantCode {
				t.Fatalf("status = %d, want %d (err %v)", out.Status, tc.wantCode, err)
			}
			if tc.wantCode == 200 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if kind, _, ok := kindOf(err); !ok || kind != tc.wantKind {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
		})
	}
}

func TestHTTPBinStatusCodes(t *testing.T) {
	srv := newHTTPBin(t)
	c := New(loopbackOptions())
	for code, want := range map[int]string{200: "", 201: "", 404: "permanent", 418: "permanent", 500: "retryable", 502: "retryable", 429: "retryable"} {
		_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL + "/status/" + strconv.Itoa(code)})})
		got := ""
		if err != nil {
			kind, _, _ := kindOf(err)
			got = kind.String()
		}
		if got != want {
			t.Errorf("status %d: got %q (%v), want %q", code, got, err, want)
		}
	}
}

func TestDigestNeverSendsBasicAndRetriesStale(t *testing.T) {
	var calls atomic.Int32
	srv, ch := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case n == 1:
			w.Header().Add("WWW-Authenticate", `Basic realm="r"`)
			w.Header().Add("WWW-Authenticate", `Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=MD5, Digest realm="r", nonce="n1", qop="auth", algorithm=SHA-256, opaque="op"`)
			w.WriteHeader(401)
		case n == 2:
			w.Header().Set("WWW-Authenticate", `Digest realm="r", nonce="n2", qop="auth", algorithm=SHA-256, stale=true`)
			w.WriteHeader(401)
		default:
			w.WriteHeader(204)
		}
	})
	opts := loopbackOptions()
	c := New(opts)
	_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{
		"method": "POST", "url": srv.URL + "/p?q=1",
		"auth": map[string]any{"type": "digest", "username": "u", "credential": "pass"},
		"body": map[string]any{"type": "raw", "raw": "hello"},
	})})
	if err != nil {
		t.Fatal(err)
	}
	first, second, third := next(t, ch), next(t, ch), next(t, ch)
	if a := first.Header.Get("Authorization"); a != "" {
		t.Errorf("first request carried Authorization %q", a)
	}
	for i, got := range []received{second, third} {
		a := got.Header.Get("Authorization")
		if !strings.HasPrefix(a, "Digest ") || !strings.Contains(a, "algorithm=SHA-256") || !strings.Contains(a, `uri="/p?q=1"`) || !strings.Contains(a, "nc=00000001") {
			t.Errorf("answer %d: Authorization = %q", i+1, a)
		}
		if string(got.Body) != "hello" {
			t.Errorf("answer %d: body = %q", i+1, got.Body)
		}
	}
	if !strings.Contains(second.Header.Get("Authorization"), `opaque="op"`) || !strings.Contains(third.Header.Get("Authorization"), `nonce="n2"`) {
		t.Errorf("answers = %q, %q", second.Header.Get("Authorization"), third.Header.Get("Authorization"))
	}
}

func TestDigestResponseRFC7616Example(t *testing.T) {
	// RFC 7616 section 3.9.1, SHA-256.
	ch := challenge{scheme: "digest", params: map[string]string{
		"realm": "http-auth@example.org", "qop": "auth, auth-int", "algorithm": "SHA-256",
		"nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
	}}
	got := digestAuthorization(ch, "GET", "/dir/index.html", "Mufasa", "Circle of Life", nil, 1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
	want := `response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"`
	if !strings.Contains(got, want) {
		t.Errorf("got %s\nwant %s", got, want)
	}
	ch.params["algorithm"] = "MD5"
	got = digestAuthorization(ch, "GET", "/dir/index.html", "Mufasa", "Circle of Life", nil, 1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
	if want := `response="8ca523f5e9506fed4657c9700eebdbec"`; !strings.Contains(got, want) {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestWebhookSignature(t *testing.T) {
	srv, ch := serve(t, nil)
	c := New(loopbackOptions())
	c.now = func() time.Time { return time.Unix(1700000000, 0) }
	_, err := c.Execute(context.Background(), connectors.Request{IdempotencyKey: "msg_abc", Config: mustJSON(t, map[string]any{
		"method": "POST", "url": srv.URL,
		"auth": map[string]any{"type": "webhook_signature", "credential": "whsec"},
		"body": map[string]any{"type": "json", "json": map[string]any{"a": 1}},
	})})
	if err != nil {
		t.Fatal(err)
	}
	got := next(t, ch)
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_abc.1700000000." + string(got.Body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got.Header.Get("webhook-id") != "msg_abc" || got.Header.Get("webhook-timestamp") != "1700000000" || got.Header.Get("webhook-signature") != want {
		t.Errorf("headers = %v, want signature %s", got.Header, want)
	}
	if string(got.Body) != `{"a":1}` {
		t.Errorf("body = %s", got.Body)
	}
}

func TestParseChallenges(t *testing.T) {
	got := parseChallenges([]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`, `Digest realm="a, b", nonce=xyz`})
	if len(got) != 3 || got[0].params["title"] != `Login to "apps"` || got[1].scheme != "basic" || got[2].params["realm"] != "a, b" || got[2].params["nonce"] != "xyz" {
		t.Errorf("challenges = %+v", got)
	}
}

type tokens string

func (t tokens) AccessToken(_ context.Context, cfg OAuth2Config) (string, error) {
	if cfg.Credential != "oauth" || cfg.Grant != "client_credentials" || len(cfg.Scopes) != 1 {
		return "", connectors.Permanentf("unexpected config %+v", cfg)
	}
	return string(t), nil
}

func TestOAuth2UsesTheProvider(t *testing.T) {
	srv, ch := serve(t, nil)
	auth := map[string]any{"type": "oauth2", "grant": "client_credentials", "token_url": "https://t.example/token", "client_id": "id", "credential": "oauth", "scopes": []string{"a"}}
	c := New(loopbackOptions())
	if _, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL, "auth": auth})}); err == nil || !strings.Contains(err.Error(), "oauth2 is not configured") {
		t.Fatalf("err = %v, want oauth2 not configured", err)
	}
	opts := loopbackOptions()
	opts.OAuth2 = tokens("access-123")
	c = New(opts)
	res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL, "auth": auth})})
	if err != nil {
		t.Fatal(err)
	}
	if a := next(t, ch).Header.Get("Authorization"); a != "Bearer access-123" {
		t.Errorf("Authorization = %q", a)
	}
	if strings.Contains(string(res.Request), "access-123") {
		t.Errorf("token recorded: %s", res.Request)
	}
}
