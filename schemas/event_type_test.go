package schemas_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowline/flowline/schemas"
)

func TestEventTypeSchemaDescribesEveryProperty(t *testing.T) {
	for _, p := range schemas.MissingDescriptions(schemas.EventTypeSchema()) {
		t.Errorf("%s has no description", p)
	}
	if _, err := schemas.Compile("event_type", schemas.EventTypeSchema()); err != nil {
		t.Fatal(err)
	}
}

// TestCompileUntrusted checks that a user's schema compiles like any
// other, that its problems come back at pointers into it, and that it can
// load nothing from disk or network.
func TestCompileUntrusted(t *testing.T) {
	v, err := schemas.CompileUntrusted("t", []byte(`{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
		"properties": {"n": {"$ref": "#/definitions/n"}}, "definitions": {"n": {"type": "integer"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ps, _ := v.ValidateJSON([]byte(`{"n": "x"}`)); len(ps) != 1 || ps[0].Pointer != "/n" {
		t.Fatalf("problems %+v", ps)
	}
	for schema, want := range map[string]string{
		`{"type": "object", "properties": {"a": {"minLength": -1}}}`: "/properties/a/minLength: ",
		`{"pattern": "("}`:                 "/pattern: ",
		`{"$ref": "file:///etc/hostname"}`: `/: cannot load "file:///etc/hostname": a schema may only refer to itself`,
		`{"$ref": "http://127.0.0.1:1/x"}`: "a schema may only refer to itself",
		`{"$ref": "#/$defs/missing"}`:      `/: json-pointer in "#/$defs/missing" not found`,
		`{"type": "object"`:                "the schema is not JSON",
	} {
		_, err := schemas.CompileUntrusted("t", []byte(schema))
		var se *schemas.SchemaError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "flowline.invalid") {
			t.Errorf("%s: error %v, want a SchemaError with %q", schema, err, want)
		}
	}
}
