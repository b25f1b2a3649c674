package app

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPIEdgesOnTheRealServer checks, on the served process, the edges a
// handler test cannot reach alone: page tokens shaped like the listing's
// own (a merged token carrying a made-up Temporal token, which Temporal
// answered with an error the client retried until its deadline) are 400,
// and headers past the API's limit get a 431 problem, not Go's plain text.
func TestAPIEdgesOnTheRealServer(t *testing.T) {
	t.Parallel()
	a := startServe(t, testConfig(t, t.TempDir(), false))
	c := client{t: t, base: "http://" + a.Addr()}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tok := range []string{"not-a-token", "abc", enc(`{"v":"zzz"}`), enc(`{"v":"` + enc("garbage") + `"}`), enc(`null`), enc(`{"vd":true,"ld":true}`)} {
		if code, out := c.do("GET", "/api/v1/runs?page_token="+tok, nil); code != http.StatusBadRequest {
			t.Errorf("page_token %s answered %d %s, want 400", tok, code, out)
		}
	}

	req, err := http.NewRequest("GET", c.base+"/api/v1/flows", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"status":431`) {
		t.Errorf("oversized headers answered %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
