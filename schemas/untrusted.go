package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// refuseLoader loads nothing: a schema written by a user may only refer to
// itself and to the standard meta-schemas, never to files or URLs, so that
// storing a schema can neither read the server's disk nor reach the
// network.
type refuseLoader struct{}

func (refuseLoader) Load(string) (any, error) {
	return nil, errors.New("a schema may only refer to itself (\"#/…\"), not to other files or URLs")
}

// SchemaError is CompileUntrusted's error for a schema that cannot be
// compiled: every problem, at pointers into the schema.
type SchemaError struct {
	Problems []Problem
}

// Error implements error.
func (e *SchemaError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		ptr := p.Pointer
		if ptr == "" {
			ptr = "/"
		}
		parts = append(parts, ptr+": "+p.Message)
	}
	return "invalid schema: " + strings.Join(parts, "; ")
}

// CompileUntrusted compiles a JSON Schema written by a user (an event
// type's data schema) like Compile, except that references to other
// documents are refused rather than loaded. A schema that does not compile
// is a *SchemaError.
func CompileUntrusted(name string, schemaJSON []byte) (*Validator, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, &SchemaError{Problems: []Problem{{Pointer: "", Message: "the schema is not JSON: " + err.Error()}}}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuseLoader{})
	loc := "https://flowline.invalid/schemas/" + name
	if err := c.AddResource(loc, raw); err != nil {
		return nil, fmt.Errorf("compiling schema %q: %w", name, err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, untrustedError(loc, err)
	}
	return &Validator{name: name, schema: sch, raw: raw}, nil
}

// untrustedError turns a compiler error into a SchemaError whose messages
// never show the schema's internal URL.
func untrustedError(loc string, err error) error {
	var sve *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
		// The schema breaks its meta-schema: report it as any document
		// that breaks a schema.
		meta := &Validator{name: "meta-schema"}
		var leaves []leaf
		meta.collect(ve, &leaves)
		problems := make([]Problem, 0, len(leaves))
		for _, l := range leaves {
			problems = append(problems, l.Problem)
		}
		return &SchemaError{Problems: SortProblems(problems)}
	}
	msg := err.Error()
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		msg = fmt.Sprintf("cannot load %q: %v", le.URL, le.Err)
	}
	msg = strings.ReplaceAll(msg, loc, "")
	return &SchemaError{Problems: []Problem{{Pointer: "", Message: msg}}}
}
