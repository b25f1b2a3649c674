package schemas_test

import (
	"reflect"
	"testing"

	"github.com/flowline/flowline/schemas"
)

func TestFlowSchemaDescribesEveryProperty(t *testing.T) {
	for _, p := range schemas.MissingDescriptions(schemas.FlowSchema()) {
		t.Errorf("property without a description: %s", p)
	}
}

func TestEventSchema(t *testing.T) {
	for _, p := range schemas.MissingDescriptions(schemas.EventSchema()) {
		t.Errorf("property without a description: %s", p)
	}
	v, err := schemas.Compile("event", schemas.EventSchema())
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := v.ValidateJSON([]byte(`{"event_type": "sync.failed", "data": {"a": 1}}`)); err != nil || probs != nil {
		t.Errorf("valid event: %v %v", probs, err)
	}
	probs, err := v.ValidateJSON([]byte(`{"event_type": "sync..failed", "extra": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	var ptrs []string
	for _, p := range probs {
		ptrs = append(ptrs, p.Pointer)
	}
	if !reflect.DeepEqual(ptrs, []string{"", "/event_type", "/extra"}) {
		t.Errorf("problems %+v", probs)
	}
}

func TestMissingDescriptions(t *testing.T) {
	schema := []byte(`{
		"type": "object",
		"properties": {
			"ok": {"description": "fine", "type": "object", "properties": {"inner": {"type": "string"}}},
			"bad": {"type": "string"},
			"forbidden": false,
			"properties": {"description": "a field named properties"}
		},
		"$defs": {"thing": {"properties": {"x~y/z": {"type": "integer"}}}},
		"allOf": [{"if": {"properties": {"bad": {"const": "a"}}}, "then": {"properties": {"ok": false, "late": {"type": "string"}}}}]
	}`)
	got := schemas.MissingDescriptions(schema)
	want := []string{
		"/$defs/thing/properties/x~0y~1z",
		"/allOf/0/then/properties/late",
		"/properties/bad",
		"/properties/ok/properties/inner",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MissingDescriptions = %q, want %q", got, want)
	}
}

func TestCompileFlowSchema(t *testing.T) {
	if _, err := schemas.Compile("flow", schemas.FlowSchema()); err != nil {
		t.Fatal(err)
	}
}

func TestCompileRejectsBadSchema(t *testing.T) {
	if _, err := schemas.Compile("bad", []byte(`{"type": 12}`)); err == nil {
		t.Fatal("Compile accepted an invalid schema")
	}
	if _, err := schemas.Compile("bad", []byte(`{`)); err == nil {
		t.Fatal("Compile accepted invalid JSON")
	}
}

func TestValidateMessages(t *testing.T) {
	schema := []byte(`{
		"type": "object",
		"additionalProperties": false,
		"required": ["url", "mode"],
		"properties": {
			"url": {"description": "u", "type": "string", "minLength": 1},
			"mode": {"description": "m", "enum": ["fail", "continue"]},
			"n": {"description": "n", "type": "integer", "minimum": 1},
			"wait": {"description": "w", "type": "string", "pattern": "^[0-9]+s$", "x-error": "is not a number of seconds"},
			"a/b": {"description": "escaped", "type": "string"},
			"body": {
				"description": "tagged union",
				"oneOf": [
					{"type": "object", "additionalProperties": false, "required": ["type", "json"], "properties": {"type": {"const": "json"}, "json": true}},
					{"type": "object", "additionalProperties": false, "required": ["type", "raw"], "properties": {"type": {"const": "raw"}, "raw": {"type": "string"}}}
				]
			},
			"pick": {"description": "exactly one", "type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}
		}
	}`)
	v, err := schemas.Compile("test", schema)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  string
		want []schemas.Problem
	}{
		{"valid", `{"url": "x", "mode": "fail"}`, nil},
		{"required and additional", `{"foo": 1, "a/b": 2}`, []schemas.Problem{
			{Pointer: "", Message: `missing required property "mode"`},
			{Pointer: "", Message: `missing required property "url"`},
			{Pointer: "/a~1b", Message: "expected string, got number"},
			{Pointer: "/foo", Message: `additional property "foo" is not allowed`},
		}},
		{"enum, minimum, pattern", `{"url": "", "mode": "x", "n": 0, "wait": "5m"}`, []schemas.Problem{
			{Pointer: "/mode", Message: `value must be one of "fail", "continue"`},
			{Pointer: "/n", Message: "value must be at least 1"},
			{Pointer: "/url", Message: "value must not be empty"},
			{Pointer: "/wait", Message: `value "5m" is not a number of seconds`},
		}},
		{"union picks the tagged branch", `{"url": "x", "mode": "fail", "body": {"type": "raw", "raw": 1}}`, []schemas.Problem{
			{Pointer: "/body/raw", Message: "expected string, got number"},
		}},
		{"union with unknown tag", `{"url": "x", "mode": "fail", "body": {"type": "xml"}}`, []schemas.Problem{
			{Pointer: "/body/type", Message: `value must be one of "json", "raw"`},
		}},
		{"exactly one missing", `{"url": "x", "mode": "fail", "pick": {}}`, []schemas.Problem{
			{Pointer: "/pick", Message: `exactly one of "a" or "b" is required`},
		}},
		{"exactly one, both set", `{"url": "x", "mode": "fail", "pick": {"a": 1, "b": 2}}`, []schemas.Problem{
			{Pointer: "/pick", Message: `only one of "a" or "b" may be set`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.ValidateJSON([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestValidateJSONMalformed(t *testing.T) {
	v, err := schemas.Compile("any", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{`{`, `{} x`, ``} {
		if _, err := v.ValidateJSON([]byte(doc)); err == nil {
			t.Errorf("ValidateJSON(%q) returned no error", doc)
		}
	}
}

func TestMissingErrorHints(t *testing.T) {
	schema := []byte(`{
		"properties": {
			"ok": {"description": "d", "type": "string", "pattern": "^a$", "x-error": "is not a"},
			"bad": {"description": "d", "type": "string", "pattern": "^b$"},
			"date": {"description": "d", "type": "string", "format": "date"},
			"pattern": {"description": "a field named pattern", "type": "string"},
			"m": {"description": "d", "type": "object", "propertyNames": {"pattern": "^x"}}
		},
		"$defs": {"d": {"anyOf": [{"pattern": "c"}]}},
		"allOf": [{"if": {"properties": {"ok": {"pattern": "^a"}}}, "then": {"properties": {"bad": {"pattern": "^z"}}}}]
	}`)
	got := schemas.MissingErrorHints(schema)
	want := []string{
		"/$defs/d/anyOf/0",
		"/allOf/0/then/properties/bad",
		"/properties/bad",
		"/properties/date",
		"/properties/m/propertyNames",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MissingErrorHints = %q, want %q", got, want)
	}
}

// TestSchemasExplainEveryPattern holds the schemas of this package to it;
// connector schemas are held by the API's test over everything it serves.
func TestSchemasExplainEveryPattern(t *testing.T) {
	for name, schema := range map[string][]byte{"flow": schemas.FlowSchema(), "event": schemas.EventSchema()} {
		for _, p := range schemas.MissingErrorHints(schema) {
			t.Errorf("%s schema: pattern or format without an x-error hint at %s", name, p)
		}
	}
}
