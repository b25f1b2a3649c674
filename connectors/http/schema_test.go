package httpconn

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaDescribesEveryProperty walks the schema: every property has a
// description (directly or through its $ref), and every object schema that
// lists properties is closed.
func TestSchemaDescribesEveryProperty(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(New(Options{}).ConfigSchema(), &root); err != nil {
		t.Fatal(err)
	}
	resolve := func(s map[string]any) map[string]any {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		defs := root["$defs"].(map[string]any)
		d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if !ok {
			t.Errorf("unresolved $ref %s", ref)
			return s
		}
		return d
	}
	var walk func(path string, node any, underIf bool)
	walk = func(path string, node any, underIf bool) {
		switch n := node.(type) {
		case map[string]any:
			if props, ok := n["properties"].(map[string]any); ok && !underIf {
				if n["additionalProperties"] != false && !closedByVariants(root, n) {
					t.Errorf("%s: object lists properties but is not closed", path)
				}
				for name, p := range props {
					ps, _ := p.(map[string]any)
					if _, ok := ps["description"]; !ok {
						if _, ok := resolve(ps)["description"]; !ok {
							t.Errorf("%s/properties/%s has no description", path, name)
						}
					}
				}
			}
			for k, v := range n {
				walk(path+"/"+k, v, underIf || k == "if")
			}
		case []any:
			for i, v := range n {
				walk(path+"/"+string(rune('0'+i)), v, underIf)
			}
		}
	}
	walk("#", root, false)
}

func TestSchemaValidatesExamples(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("http.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("http.json")
	if err != nil {
		t.Fatalf("compiling schema: %v", err)
	}
	valid := []string{
		`{"url": "https://x.example/a"}`,
		`{"url": "{{ data.callback }}"}`,
		`{"method": "PURGE", "url": "http://x", "headers": {"X-A": ["1", "2"]}, "query": {"a": [1, null, true]}, "timeout": "1m30s", "success_codes": [200, "2xx"], "max_response_bytes": 10}`,
		`{"url": "http://x", "max_response_bytes": 1048576}`,
		`{"url": "http://x", "body": {"type": "json", "json": null}}`,
		`{"url": "http://x", "body": {"type": "raw", "raw": "x", "content_type": "text/csv"}}`,
		`{"url": "http://x", "body": {"type": "form", "fields": {"a": "b", "c": [1, 2]}}}`,
		`{"url": "http://x", "body": {"type": "multipart", "parts": [{"name": "a", "value": "b"}, {"name": "f[]", "file": [{"ref": "blob1", "filename": "a.txt", "content_type": "text/plain", "size": 3}, {"content_base64": "aGk=", "filename": "b.txt"}]}, {"name": "g", "file": {"url": "https://x/y.png"}}, {"name": "h", "file": "{{ trigger.files.h }}"}]}}`,
		`{"url": "http://x", "auth": {"type": "none"}}`,
		`{"url": "http://x", "auth": {"type": "basic", "username": "u", "credential": "c"}}`,
		`{"url": "http://x", "auth": {"type": "api_key", "in": "query", "name": "key", "credential": "c"}}`,
		`{"url": "http://x", "auth": {"type": "digest", "username": "u", "credential": "c"}}`,
		`{"url": "http://x", "auth": {"type": "webhook_signature", "credential": "c"}}`,
		`{"url": "http://x", "auth": {"type": "oauth2", "grant": "client_credentials", "token_url": "https://t", "client_id": "id", "credential": "c", "scopes": ["a"]}}`,
	}
	invalid := []string{
		`{}`,
		`{"url": "ftp://x"}`,
		`{"url": "http://x", "extra": 1}`,
		`{"url": "http://x", "method": "GE T"}`,
		`{"url": "http://x", "timeout": "soon"}`,
		`{"url": "http://x", "body": {"type": "json", "json": 1, "raw": "x"}}`,
		`{"url": "http://x", "body": {"type": "raw"}}`,
		`{"url": "http://x", "body": {"type": "xml"}}`,
		`{"url": "http://x", "auth": {"type": "bearer"}}`,
		`{"url": "http://x", "auth": {"type": "bearer", "credential": "c", "username": "u"}}`,
		`{"url": "http://x", "auth": {"type": "api_key", "in": "cookie", "name": "k", "credential": "c"}}`,
		`{"url": "http://x", "success_codes": ["2xy"]}`,
		`{"url": "http://x", "max_response_bytes": 1048577}`,
		`{"url": "http://x", "body": {"type": "multipart", "parts": [{"name": "a"}]}}`,
		`{"url": "http://x", "body": {"type": "multipart", "parts": [{"name": "a", "file": {"filename": "x"}}]}}`,
	}
	for _, s := range valid {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range invalid {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err := sch.Validate(v); err == nil {
			t.Errorf("%s: valid, want invalid", s)
		}
	}
}

// closedByVariants reports whether n is a tagged union whose every variant
// (an "if" on type, then a $ref) is a closed object: its fields are then
// checked by the chosen variant alone, which reports a stray field once.
func closedByVariants(root, n map[string]any) bool {
	variants, _ := n["allOf"].([]any)
	if len(variants) == 0 {
		return false
	}
	defs := root["$defs"].(map[string]any)
	for _, v := range variants {
		m, _ := v.(map[string]any)
		then, _ := m["then"].(map[string]any)
		ref, _ := then["$ref"].(string)
		def, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if m["if"] == nil || def["additionalProperties"] != false {
			return false
		}
	}
	return true
}
