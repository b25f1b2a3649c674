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
	// No record (a request that got no response) stays none: an empty,
	// non-nil json.RawMessage would not encode.
	if got := r.JSON(nil); got != nil {
		t.Errorf("JSON(nil) = %q, want nil", got)
	}
	if got := r.Text("Post it: Internal Server Error"); got != "Post it: Internal Server Error" {
		t.Errorf("Text with a short secret: %q", got)
	}
	if got := r.Value("s"); got != Redacted {
		t.Errorf("Value(secret) = %q", got)
	}
}

// A secret of 3 to 7 characters hides every value that contains it, whole;
// one of 1 or 2 characters only values equal to it.
func TestRedactorShortSecrets(t *testing.T) {
	var r Redactor
	r.Add("k3y!z") // 5 characters
	r.Add("ab")
	for _, c := range []struct{ in, want string }{
		{`{"headers": {"Authorization": "Bearer k3y!z"}, "n": 1, "note": "fine", "ab": "ab", "abc": "xaby"}`,
			`{"headers": {"Authorization": "[REDACTED]"}, "n": 1, "note": "fine", "ab": "[REDACTED]", "abc": "xaby"}`},
		{`["got k3y!z back", "k3y!z"]`, `["[REDACTED]", "[REDACTED]"]`},
		{`{"k3y!z-x": true}`, `{"[REDACTED]": true}`},
		{`token=k3y%21z&x=1`, `[REDACTED]`},
		{`plain text with k3y!z inside`, `[REDACTED]`},
		{`plain text about abba`, `plain text about abba`},
	} {
		got := string(r.JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
			t.Errorf("JSON(%s) broke the document: %s", c.in, got)
		}
	}
	if got := r.Text("401: token k3y!z refused"); got != Redacted {
		t.Errorf("Text with a 5-character secret: %q", got)
	}
	if got := r.Value("Basic k3y!z"); got != Redacted {
		t.Errorf("Value containing a 5-character secret: %q", got)
	}
	if got := r.Text("a cab"); got != "a cab" {
		t.Errorf("Text with a 2-character secret: %q", got)
	}
}

// A secret of digits (a PIN, an account number) echoed back as a JSON
// number is hidden like one echoed as a string: the number becomes the
// marker, and numbers that hold no secret stay as they are.
func TestRedactorNumbers(t *testing.T) {
	var r Redactor
	r.Add("4711")         // 4 digits: hides every number containing it
	r.Add("987654321012") // 12 digits
	r.Add("7")            // 1 digit: only a number equal to it
	for _, c := range []struct{ in, want string }{
		{`{"pin": 4711, "n": 47, "x": -14711.5}`, `{"pin": "[REDACTED]", "n": 47, "x": "[REDACTED]"}`},
		{`[987654321012, 19876543210123, 1e5, 9.87654321012e11]`, `["[REDACTED]", "[REDACTED]", 1e5, 9.87654321012e11]`},
		{`{"a": [7, 77, 0.7], "b": "7"}`, `{"a": ["[REDACTED]", 77, 0.7], "b": "[REDACTED]"}`},
		{`4711`, `"[REDACTED]"`},
		{`{"note": "call 4711", "ok": true, "none": null}`, `{"note": "[REDACTED]", "ok": true, "none": null}`},
	} {
		got := string(r.JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("JSON(%s) broke the document: %s", c.in, got)
		}
	}
}
