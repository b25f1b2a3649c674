package flows_test

import (
	"encoding/json"
	"testing"

	"github.com/flowline/flowline/flows"
)

// TestRenderModifiers: a value holding quotes, slashes and spaces stays
// well-formed JSON in a raw body with "| json", and a well-formed URL with
// "| urlquery" and "| urlpath".
func TestRenderModifiers(t *testing.T) {
	ctx := []byte(`{"flow": {"name": "f"}, "data": {"note": "He said \"hi\"\n\\ bye", "n": 3, "obj": {"a": [1, 2]}, "q": "a b&c=d/é", "id": "x/y z"}}`)
	tests := []struct{ in, want string }{
		{`{"text": {{ note | json }}}`, `{"text": "He said \"hi\"\n\\ bye"}`},
		{`{"text": {{ data.note | json }}, "n": {{ n | json }}, "o": {{ obj | json }}, "m": {{ missing | json }}}`, `{"text": "He said \"hi\"\n\\ bye", "n": 3, "o": {"a":[1,2]}, "m": null}`},
		{`https://x.example/s?q={{ q | urlquery }}`, `https://x.example/s?q=a+b%26c%3Dd%2F%C3%A9`},
		{`https://x.example/items/{{ id | urlpath }}`, `https://x.example/items/x%2Fy%20z`},
		{`{{ note | json | urlquery }}`, `%22He+said+%5C%22hi%5C%22%5Cn%5C%5C+bye%22`},
		{`{{ n | nosuch }}`, `3`},
	}
	for _, tt := range tests {
		got, err := flows.RenderString(tt.in, ctx)
		if err != nil {
			t.Fatalf("RenderString(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("RenderString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The raw body of the issue: without the modifier the quote broke it.
	raw, err := flows.RenderString(`{"text": {{ data.note | json }}}`, ctx)
	if err != nil || !json.Valid([]byte(raw)) {
		t.Errorf("raw body %q is not JSON (%v)", raw, err)
	}
	// In a config, a single template with a modifier is text, not the
	// value's own type.
	out, err := flows.Render(json.RawMessage(`{"a": "{{ n | json }}", "b": "{{ n }}", "c": "{{ obj | json }}"}`), ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"a":"3","b":3,"c":"{\"a\":[1,2]}"}` {
		t.Errorf("Render = %s", out)
	}
}

func TestModifierSyntax(t *testing.T) {
	for _, bad := range []string{"{{ x | }}", "{{ | json }}", "{{ x | json x }}", "{{ x | 1a }}"} {
		if _, err := flows.ParseTemplate(bad); err == nil {
			t.Errorf("ParseTemplate(%q) accepted", bad)
		}
	}
	// A "|" without spaces is still a gjson path separator.
	tpl, err := flows.ParseTemplate(`{{ obj|a }}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.Execute([]byte(`{"data": {"obj": {"a": "v"}}}`)); got != "v" {
		t.Errorf("gjson pipe: %q", got)
	}
}
