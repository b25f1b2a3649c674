package app

import (
	"encoding/base64"
	"net/http"
	"testing"
)

// TestBadPageTokensAnswer400 sends page tokens no listing handed out,
// including ones shaped like the listing's own (a merged token carrying a
// made-up Temporal token, which Temporal answered with an error the client
// retried until its deadline): each is a 400 problem.
func TestBadPageTokensAnswer400(t *testing.T) {
	a := startServe(t, testConfig(t, t.TempDir(), false))
	c := client{t: t, base: "http://" + a.Addr()}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tok := range []string{"not-a-token", "abc", enc(`{"v":"zzz"}`), enc(`{"v":"` + enc("garbage") + `"}`), enc(`null`), enc(`{"vd":true,"ld":true}`)} {
		if code, out := c.do("GET", "/api/v1/runs?page_token="+tok, nil); code != http.StatusBadRequest {
			t.Errorf("page_token %s answered %d %s, want 400", tok, code, out)
		}
	}
}
