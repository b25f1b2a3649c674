package httpconn

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flowline/flowline/connectors"
)

func TestRedirects(t *testing.T) {
	auth := map[string]any{"type": "api_key", "in": "header", "name": "X-Key", "credential": "key"}
	tests := []struct {
		name string
		// target returns where the first server redirects to, given the
		// second server's URL with 127.0.0.1 spelled as localhost.
		target  func(self, other string) string
		status  int
		config  map[string]any
		wantHop bool // the second server was reached
		check   func(t *testing.T, first, second received, res *connectors.Result, err error)
	}{
		{
			name:    "same host keeps credentials",
			target:  func(self, _ string) string { return self + "/next" },
			status:  http.StatusFound,
			wantHop: true,
			check: func(t *testing.T, _, second received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if second.Header.Get("Authorization") == "" || second.Header.Get("X-Key") == "" || second.Header.Get("Cookie") == "" {
					t.Errorf("credentials dropped on a same-host redirect: %v", second.Header)
				}
			},
		},
		{
			name:    "other host drops credentials",
			target:  func(_, other string) string { return other + "/landing" },
			status:  http.StatusFound,
			wantHop: true,
			check: func(t *testing.T, _, second received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range []string{"Authorization", "Cookie", "X-Key"} {
					if v := second.Header.Get(h); v != "" {
						t.Errorf("%s = %q sent to another host", h, v)
					}
				}
				if second.Header.Get("X-Plain") != "kept" {
					t.Errorf("ordinary headers dropped: %v", second.Header)
				}
			},
		},
		{
			name:    "307 replays the body",
			target:  func(self, _ string) string { return self + "/again" },
			status:  http.StatusTemporaryRedirect,
			wantHop: true,
			check: func(t *testing.T, first, second received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if second.Method != "POST" || string(second.Body) != `{"a":1}` || string(first.Body) != `{"a":1}` {
					t.Errorf("second = %s %q", second.Method, second.Body)
				}
			},
		},
		{
			name:   "follow_redirects false returns the redirect",
			target: func(self, _ string) string { return self + "/next" },
			status: http.StatusFound,
			config: map[string]any{"follow_redirects": false, "success_codes": []any{"3xx"}},
			check: func(t *testing.T, _, _ received, res *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if out := decodeOutput(t, res); out.Status != 302 || !strings.HasSuffix(out.Headers["location"], "/next") {
					t.Errorf("output = %+v", out)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			other, otherCh := serve(t, nil)
			otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
			var self string
			first, firstCh := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/" {
					w.Header().Set("Location", tc.target(self, otherURL))
					w.WriteHeader(tc.status)
				}
			})
			self = first.URL
			cfg := map[string]any{
				"method": "POST", "url": first.URL + "/", "auth": auth,
				"headers": map[string]any{"Cookie": "c=1", "X-Plain": "kept", "Authorization": "Bearer user-set"},
				"body":    map[string]any{"type": "json", "json": map[string]any{"a": 1}},
			}
			for k, v := range tc.config {
				cfg[k] = v
			}
			c := New(loopbackOptions())
			res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, cfg)})
			f := next(t, firstCh)
			var second received
			if tc.wantHop {
				select {
				case second = <-otherCh:
				case second = <-firstCh:
				}
			}
			tc.check(t, f, second, res, err)
		})
	}
}

func TestRedirectLimit(t *testing.T) {
	for _, tc := range []struct {
		hops    int
		wantErr bool
	}{{10, false}, {11, true}} {
		t.Run(strconv.Itoa(tc.hops), func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
				if n < tc.hops {
					http.Redirect(w, r, fmt.Sprintf("/%d", n+1), http.StatusFound)
				}
			}))
			defer srv.Close()
			c := New(loopbackOptions())
			_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL + "/0"})})
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			kind, _, _ := kindOf(err)
			if err == nil || kind != connectors.Permanent || !strings.Contains(err.Error(), "10 redirects") {
				t.Fatalf("err = %v, want a permanent redirect error", err)
			}
			if n := calls.Load(); n != 11 {
				t.Errorf("%d requests, want 11", n)
			}
		})
	}
}

func TestInsecureTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := New(loopbackOptions())
	_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL})})
	kind, _, _ := kindOf(err)
	if err == nil || kind != connectors.Permanent || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a permanent certificate error", err)
	}
	if _, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL, "allow_insecure_tls": true})}); err != nil {
		t.Fatalf("allow_insecure_tls: %v", err)
	}
}
