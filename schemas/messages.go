package schemas

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// leaf is one reported problem with the error kind that produced it, so
// that alternatives (oneOf, anyOf) can be judged by what failed.
type leaf struct {
	Problem
	kind jsonschema.ErrorKind
	// parent is, for a refused property name, the name of the property
	// that holds the object in the schema ("headers"), if known.
	parent string
}

// collect appends the leaves of e. Wrappers (the root, allOf, $ref,
// if/then groups) add nothing of their own: only their causes are reported.
func (v *Validator) collect(e *jsonschema.ValidationError, out *[]leaf) {
	ptr := Pointer(e.InstanceLocation...)
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf:
		if k.Subschemas != nil {
			*out = append(*out, leaf{Problem: Problem{ptr, v.severalMatched(e)}, kind: k})
			return
		}
		v.alternatives(e, ptr, true, out)
		return
	case *kind.AnyOf:
		v.alternatives(e, ptr, false, out)
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			if k, ok := c.ErrorKind.(*kind.PropertyNames); ok {
				// The library loses where the object is (it validates the
				// name as a value of its own); Validate finds it again.
				_, frag, _ := strings.Cut(c.SchemaURL, "#")
				toks := strings.Split(strings.TrimSuffix(frag, "/propertyNames"), "/")
				*out = append(*out, leaf{Problem: Problem{Message: v.badName(c, k.Property)}, kind: k, parent: toks[len(toks)-1]})
				continue
			}
			v.collect(c, out)
		}
		return
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, leaf{Problem: Problem{ptr, fmt.Sprintf("missing required property %q", m)}, kind: k})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			msg := fmt.Sprintf("additional property %q is not allowed", p)
			if when := v.variantOf(e.SchemaURL); when != "" {
				msg = fmt.Sprintf("property %q is not allowed%s", p, when)
			}
			*out = append(*out, leaf{Problem: Problem{ptr + "/" + EscapePointerToken(p), msg}, kind: k})
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			*out = append(*out, leaf{Problem: Problem{ptr, fmt.Sprintf("missing property %q, required when %q is set", m, k.Prop)}, kind: k})
		}
	case *kind.Dependency:
		for _, m := range k.Missing {
			*out = append(*out, leaf{Problem: Problem{ptr, fmt.Sprintf("missing property %q, required when %q is set", m, k.Prop)}, kind: k})
		}
	default:
		*out = append(*out, leaf{Problem: Problem{ptr, v.message(e)}, kind: e.ErrorKind})
	}
}

// alternatives reports a failed oneOf or anyOf. Reporting every branch's
// failures would bury the user in noise, so it picks what the user most
// likely meant.
func (v *Validator) alternatives(e *jsonschema.ValidationError, ptr string, one bool, out *[]leaf) {
	branches := make([][]leaf, len(e.Causes))
	for i, c := range e.Causes {
		v.collect(c, &branches[i])
	}
	// Every branch only misses one property, all at ptr: the schema asks
	// for one of several properties.
	var names []string
	for _, b := range branches {
		if len(b) != 1 || b[0].Pointer != ptr {
			names = nil
			break
		}
		r, ok := b[0].kind.(*kind.Required)
		if !ok || len(r.Missing) != 1 {
			names = nil
			break
		}
		names = append(names, strconv.Quote(r.Missing[0]))
	}
	if len(names) > 1 {
		msg := "one of " + joinOr(names) + " is required"
		if one {
			msg = "exactly " + msg
		}
		*out = append(*out, leaf{Problem: Problem{ptr, msg}, kind: e.ErrorKind})
		return
	}
	// A branch that failed on a const or enum (typically the "type" that
	// tags a union) is not the one the user meant; of the others, the one
	// with the fewest problems is the closest.
	// A branch whose type differs from the value's (a string given where
	// the branch wants an object) is not meant either.
	best := -1
	for i, b := range branches {
		if hasDiscriminatorFailure(b) || hasTypeFailureAt(b, ptr) {
			continue
		}
		if best == -1 || len(b) < len(branches[best]) {
			best = i
		}
	}
	if best >= 0 {
		*out = append(*out, branches[best]...)
		return
	}
	// No branch takes the value's type: say which types they take.
	if types, got, ok := typesWanted(branches, ptr); ok {
		*out = append(*out, leaf{Problem: Problem{ptr, fmt.Sprintf("expected %s, got %s", joinOr(types), got)}, kind: e.ErrorKind})
		return
	}
	// Every branch failed on a tag: merge the allowed values when they are
	// all about the same value.
	var want []string
	at, mixed := "", false
	for _, b := range branches {
		for _, l := range b {
			switch k := l.kind.(type) {
			case *kind.Const:
				want = append(want, display(k.Want))
			case *kind.Enum:
				for _, w := range k.Want {
					want = append(want, display(w))
				}
			default:
				continue
			}
			if at == "" {
				at = l.Pointer
			}
			mixed = mixed || l.Pointer != at
		}
	}
	if mixed {
		at = ""
	}
	if at != "" && len(want) > 0 {
		*out = append(*out, leaf{Problem: Problem{at, "value must be one of " + strings.Join(dedupe(want), ", ")}, kind: e.ErrorKind})
		return
	}
	*out = append(*out, leaf{Problem: Problem{ptr, "value does not match any of the allowed forms"}, kind: e.ErrorKind})
}

// typesWanted returns the JSON types the branches take when every branch
// failed on the value's type at ptr.
func typesWanted(branches [][]leaf, ptr string) (types []string, got string, ok bool) {
	for _, b := range branches {
		found := false
		for _, l := range b {
			if k, isType := l.kind.(*kind.Type); isType && l.Pointer == ptr {
				types, got, found = append(types, k.Want...), k.Got, true
			}
		}
		if !found {
			return nil, "", false
		}
	}
	return dedupe(types), got, len(types) > 0
}

func hasTypeFailureAt(b []leaf, ptr string) bool {
	for _, l := range b {
		if _, ok := l.kind.(*kind.Type); ok && l.Pointer == ptr {
			return true
		}
	}
	return false
}

func hasDiscriminatorFailure(b []leaf) bool {
	for _, l := range b {
		switch l.kind.(type) {
		case *kind.Const, *kind.Enum, *kind.FalseSchema:
			return true
		}
	}
	return false
}

// severalMatched explains a oneOf that matched more than one branch.
func (v *Validator) severalMatched(e *jsonschema.ValidationError) string {
	node, _ := v.schemaNode(e.SchemaURL).(map[string]any)
	branches, _ := node["oneOf"].([]any)
	var names []string
	for _, b := range branches {
		m, _ := b.(map[string]any)
		req, _ := m["required"].([]any)
		if len(m) != 1 || len(req) != 1 {
			names = nil
			break
		}
		s, _ := req[0].(string)
		names = append(names, strconv.Quote(s))
	}
	if len(names) > 1 {
		return "only one of " + joinOr(names) + " may be set"
	}
	return "value matches more than one of the allowed forms"
}

// message phrases one leaf error.
func (v *Validator) message(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		return fmt.Sprintf("expected %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		if len(k.Want) == 1 {
			return "value must be " + display(k.Want[0])
		}
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = display(w)
		}
		return "value must be one of " + strings.Join(want, ", ")
	case *kind.Const:
		return "value must be " + display(k.Want)
	case *kind.Pattern:
		if hint := v.hint(e.SchemaURL); hint != "" {
			return fmt.Sprintf("value %q %s", k.Got, hint)
		}
		// Never show the regular expression: a schema test makes sure
		// every pattern has a hint, so this is only a fallback.
		return fmt.Sprintf("value %q is not in the expected form", k.Got)
	case *kind.Format:
		if hint := v.hint(e.SchemaURL); hint != "" {
			return fmt.Sprintf("value %s %s", display(k.Got), hint)
		}
		return fmt.Sprintf("value %s is not a valid %s", display(k.Got), k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "value must not be empty"
		}
		return fmt.Sprintf("value must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("value must be at most %d characters long (it has %d)", k.Want, k.Got)
	case *kind.MinItems:
		if k.Want == 1 {
			return "array must not be empty"
		}
		return fmt.Sprintf("array must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("array must have at most %d items (it has %d)", k.Want, k.Got)
	case *kind.MinProperties:
		if k.Want == 1 {
			return "object must not be empty"
		}
		return fmt.Sprintf("object must have at least %d properties", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("object must have at most %d properties (it has %d)", k.Want, k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are equal; items must be unique", k.Duplicates[0], k.Duplicates[1])
	case *kind.Minimum:
		return "value must be at least " + ratString(k.Want)
	case *kind.Maximum:
		return "value must be at most " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "value must be greater than " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "value must be less than " + ratString(k.Want)
	case *kind.MultipleOf:
		return "value must be a multiple of " + ratString(k.Want)
	case *kind.FalseSchema:
		return v.notAllowed(e)
	}
	// Anything else: the library's own wording, without its location prefix.
	msg := (&jsonschema.ValidationError{ErrorKind: e.ErrorKind}).Error()
	if _, after, ok := strings.Cut(msg, ": "); ok {
		return after
	}
	return msg
}

// badName explains a property name that its object's propertyNames schema
// refuses, with the hint of that schema when it has one.
func (v *Validator) badName(e *jsonschema.ValidationError, name string) string {
	if hint := v.hint(e.SchemaURL); hint != "" {
		return fmt.Sprintf("property name %q %s", name, hint)
	}
	return fmt.Sprintf("property name %q is not allowed", name)
}

// variantOf names the variant of a tagged union that the schema at
// schemaURL describes (` when type is "raw"`), or "" when its "type" is no
// constant.
func (v *Validator) variantOf(schemaURL string) string {
	node, _ := v.schemaNode(schemaURL).(map[string]any)
	props, _ := node["properties"].(map[string]any)
	typ, _ := props["type"].(map[string]any)
	if c, ok := typ["const"]; ok {
		return " when type is " + display(c)
	}
	return ""
}

// notAllowed explains a false schema: a property that a condition forbids,
// such as "events" on a manual trigger.
func (v *Validator) notAllowed(e *jsonschema.ValidationError) string {
	if len(e.InstanceLocation) == 0 {
		return "no value is allowed here"
	}
	name := e.InstanceLocation[len(e.InstanceLocation)-1]
	msg := fmt.Sprintf("property %q is not allowed", name)
	_, frag, _ := strings.Cut(e.SchemaURL, "#")
	i := strings.LastIndex(frag, "/then/")
	if i < 0 {
		return msg
	}
	cond, _ := v.schemaNode("#" + frag[:i] + "/if").(map[string]any)
	props, _ := cond["properties"].(map[string]any)
	var whens []string
	for p, s := range props {
		m, _ := s.(map[string]any)
		if c, ok := m["const"]; ok {
			whens = append(whens, fmt.Sprintf("%s is %s", p, display(c)))
		}
	}
	if len(whens) == 1 {
		return msg + " when " + whens[0]
	}
	return msg
}

// hint returns the "x-error" annotation of the schema at schemaURL: a
// phrase that completes `value "…" ` better than a regular expression can.
func (v *Validator) hint(schemaURL string) string {
	node, _ := v.schemaNode(schemaURL).(map[string]any)
	s, _ := node["x-error"].(string)
	return s
}

// schemaNode resolves the fragment of schemaURL in the raw schema.
func (v *Validator) schemaNode(schemaURL string) any {
	_, frag, ok := strings.Cut(schemaURL, "#")
	if !ok {
		return v.raw
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	return PointerValue(v.raw, frag)
}

// PointerValue reads the value at a JSON Pointer (RFC 6901) in a decoded
// JSON document, or nil when nothing is there.
func PointerValue(root any, ptr string) any {
	node := root
	if ptr == "" {
		return node
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := node.(type) {
		case map[string]any:
			node = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			node = n[i]
		default:
			return nil
		}
	}
	return node
}

func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func joinOr(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func dedupe(items []string) []string {
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
