package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Validator checks documents against one compiled JSON Schema and reports
// every problem as a JSON Pointer and an English message.
type Validator struct {
	name   string
	schema *jsonschema.Schema
	// raw is the schema document as decoded JSON; messages read annotations
	// ("x-error", the "if" beside a "then") from it.
	raw any
}

// Compile compiles schemaJSON (draft 2020-12 unless the schema says
// otherwise) under name, which only identifies the schema in errors.
// Format keywords are annotations, not assertions: a templated string may
// hold "{{ … }}" where a URL is expected.
func Compile(name string, schemaJSON []byte) (*Validator, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("compiling schema %q: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	loc := "https://flowline.invalid/schemas/" + name
	if err := c.AddResource(loc, raw); err != nil {
		return nil, fmt.Errorf("compiling schema %q: %w", name, err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compiling schema %q: %w", name, err)
	}
	return &Validator{name: name, schema: sch, raw: raw}, nil
}

// Name returns the name the validator was compiled under.
func (v *Validator) Name() string { return v.name }

// Validate checks doc, a value decoded with jsonschema.UnmarshalJSON (or
// any value built of map[string]any, []any, string, bool, nil, json.Number,
// float64 and int), and returns every problem found, sorted by pointer then
// message, without duplicates. It returns nil when doc is valid.
func (v *Validator) Validate(doc any) []Problem {
	err := v.schema.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Pointer: "", Message: err.Error()}}
	}
	var leaves []leaf
	v.collect(ve, &leaves)
	problems := make([]Problem, 0, len(leaves))
	for _, l := range leaves {
		if k, ok := l.kind.(*kind.PropertyNames); ok {
			l.Pointer = propertyPointer(doc, l.parent, k.Property)
		}
		problems = append(problems, l.Problem)
	}
	return SortProblems(problems)
}

// propertyPointer returns the pointer of a property called name in doc,
// preferring one in an object held by a property called parent; of several,
// the first in sorted order. It returns "" when there is none.
func propertyPointer(doc any, parent, name string) string {
	var found []string
	var walk func(node any, ptr string)
	walk = func(node any, ptr string) {
		switch n := node.(type) {
		case map[string]any:
			for k, val := range n {
				p := ptr + "/" + EscapePointerToken(k)
				if k == name {
					found = append(found, p)
				}
				walk(val, p)
			}
		case []any:
			for i, val := range n {
				walk(val, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "")
	if len(found) == 0 {
		return ""
	}
	sort.Strings(found)
	for _, p := range found {
		if strings.HasSuffix(p, "/"+EscapePointerToken(parent)+"/"+EscapePointerToken(name)) {
			return p
		}
	}
	return found[0]
}

// ValidateJSON decodes data and validates it. The error is only for data
// that is not JSON at all.
func (v *Validator) ValidateJSON(data []byte) ([]Problem, error) {
	doc, err := DecodeJSON(data)
	if err != nil {
		return nil, err
	}
	return v.Validate(doc), nil
}

// DecodeJSON decodes data the way Validate expects (numbers as
// json.Number). It rejects trailing data after the first value.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return nil, errors.New("decoding JSON: unexpected data after the top-level value")
	}
	return doc, nil
}

// SortProblems sorts problems by pointer then message and drops exact
// duplicates, in place; it returns the shortened slice.
func SortProblems(problems []Problem) []Problem {
	if len(problems) == 0 {
		return nil
	}
	sort.Slice(problems, func(i, j int) bool {
		if problems[i].Pointer != problems[j].Pointer {
			return problems[i].Pointer < problems[j].Pointer
		}
		return problems[i].Message < problems[j].Message
	})
	out := problems[:1]
	for _, p := range problems[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

// Pointer builds an RFC 6901 JSON Pointer from reference tokens.
func Pointer(tokens ...string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(EscapePointerToken(t))
	}
	return sb.String()
}

// EscapePointerToken escapes "~" and "/" in one JSON Pointer token.
func EscapePointerToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	t = strings.ReplaceAll(t, "~", "~0")
	return strings.ReplaceAll(t, "/", "~1")
}
