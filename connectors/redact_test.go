package connectors

import (
	"encoding/json"
	"testing"
)

func TestRedactorRules(t *testing.T) {
	var r Redactor
	if got := string(r.JSON([]byte(`{"a":"b"}`))); got != `{"a":"b"}` {
		t.Errorf("no secrets: %s", got)
	}
	r.Add("s")
	r.Add(`lo"ng<secret>`)
	for _, c := range []struct{ in, want string }{
		// Structure and unrelated text survive a one-character secret.
		{`{"status": "s", "list": ["s", "sss"], "s": 1}`, `{"status": "[REDACTED]", "list": ["[REDACTED]", "sss"], "s": 1}`},
		// A long secret goes wherever it is, escaped or not; the JSON
		// stays valid and keeps its formatting.
		{"{\n  \"note\": \"x lo\\\"ng<secret> y\",\n  \"lo\\\"ng\\u003csecret>\": true\n}",
			"{\n  \"note\": \"x [REDACTED] y\",\n  \"[REDACTED]\": true\n}"},
		{`"s"`, `"[REDACTED]"`},
		{`not json: s and lo"ng<secret>`, `not json: s and [REDACTED]`},
	} {
		got := string(r.JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
			t.Errorf("JSON(%s) broke the document: %s", c.in, got)
		}
	}
	if got := r.Text("Post it: Internal Server Error"); got != "Post it: Internal Server Error" {
		t.Errorf("Text with a short secret: %q", got)
	}
	if got := r.Value("s"); got != Redacted {
		t.Errorf("Value(secret) = %q", got)
	}
}
