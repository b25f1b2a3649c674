package httpconn

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
)

// received is what a test server saw of one request.
type received struct {
	Method   string
	Path     string
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
}

// serve starts a server whose every request is reported on the returned
// channel before respond answers it. Handlers never call t.Fatal.
func serve(t *testing.T, respond http.HandlerFunc) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case ch <- received{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header.Clone(), Body: body}:
		default:
		}
		if respond != nil {
			respond(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// next returns the next reported request, or fails after a second.
func next(t *testing.T, ch <-chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(time.Second):
		t.Fatal("the server received no request")
		return received{}
	}
}

// secrets is a SecretResolver over a map.
type secrets map[string]string

func (s secrets) Secret(_ context.Context, ref string) (string, error) {
	v, ok := s[ref]
	if !ok {
		return "", connectors.Permanentf("credential %q not found", ref)
	}
	return v, nil
}

// loopbackOptions allows the loopback receivers that tests use.
func loopbackOptions() Options {
	return Options{
		Version:     "test",
		EgressAllow: []string{"127.0.0.1/32", "::1/128"},
		Secrets: secrets{
			"token":   "s3cr3t-token-value",
			"pass":    "hunter2-password",
			"key":     "api-key-0123456789",
			"whsec":   "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"digestp": "passwd",
		},
	}
}

// mustJSON marshals v or fails.
func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kindOf returns the classification of err, and whether it was classified.
func kindOf(err error) (connectors.Kind, time.Duration, bool) {
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return 0, 0, false
	}
	return ce.Kind, ce.RetryAfter, true
}

// output decodes a Result's Output.
type output struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func decodeOutput(t *testing.T, res *connectors.Result) output {
	t.Helper()
	var o output
	if err := json.Unmarshal(res.Output, &o); err != nil {
		t.Fatalf("decoding output %s: %v", res.Output, err)
	}
	return o
}
