package flows

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/flowline/flowline/schemas"
)

// A data source says which data.* fields a flow's runs will see: an event
// type's data schema, an example of its data, or a webhook's sample body.
type dataSource struct {
	// from names the source in messages: an event type, or the sample.
	from string
	// schema or example (one of them) is the decoded JSON.
	schema   any
	example  any
	isSchema bool
}

// maxFieldDepth bounds how deep variables are listed in a schema or
// example; deeper fields can still be typed by hand.
const maxFieldDepth = 6

// dataSources returns what tells the data fields of d's runs, and whether
// they are known: an event trigger whose every pattern matches a declared
// type with a schema or an example, or a webhook with a sample. known is
// false when some data may come from a source that declares nothing.
func dataSources(d *Document, c *Catalog) (sources []dataSource, known bool) {
	switch d.Trigger.Type {
	case TriggerWebhook:
		if d.Trigger.Sample == nil {
			return nil, false
		}
		tree, err := schemas.DecodeJSON(d.Trigger.Sample)
		if err != nil {
			return nil, false
		}
		return []dataSource{{from: "the trigger's sample", example: tree}}, true
	case TriggerEvent:
		for _, p := range d.Trigger.Events {
			if len(c.Matching(p)) == 0 {
				return nil, false
			}
		}
		known = true
		for _, e := range c.Subscribed(d) {
			src, ok := e.dataSource()
			if !ok {
				known = false
				continue
			}
			sources = append(sources, src)
		}
		return sources, known && len(sources) > 0
	}
	return nil, false
}

// dataSource is what the type declares about its data: its schema, else
// its example; ok is false when it declares neither.
func (e *CatalogEntry) dataSource() (dataSource, bool) {
	switch {
	case e.schema != nil:
		return dataSource{from: e.Name, schema: e.schema, isSchema: true}, true
	case e.example != nil:
		return dataSource{from: e.Name, example: e.example}, true
	}
	return dataSource{}, false
}

// pathSegments splits a gjson path at its unescaped dots; ok is false when
// the path uses more of gjson than plain keys and indexes (modifiers,
// wildcards, queries, pipes), which cannot be checked.
func pathSegments(path string) (segs []string, ok bool) {
	var sb strings.Builder
	for i := 0; i < len(path); i++ {
		switch ch := path[i]; ch {
		case '\\':
			if i+1 < len(path) {
				i++
				sb.WriteByte(path[i])
			}
		case '.':
			segs = append(segs, sb.String())
			sb.Reset()
		case '|', '*', '?', '@', '(', ')', '=', '!', '<', '>', '%':
			return nil, false
		default:
			sb.WriteByte(ch)
		}
	}
	return append(segs, sb.String()), true
}

// declares reports whether the source has the field at segs (keys below
// data). Schemas are read generously: a node that lists no properties
// allows anything below it.
func (s dataSource) declares(segs []string) bool {
	if s.isSchema {
		return schemaDeclares(s.schema, s.schema, segs, 0)
	}
	return exampleHas(s.example, segs)
}

// names reports whether the source explicitly has the top-level field
// name: a schema listing it among its properties, or an example holding it.
func (s dataSource) names(name string) bool {
	if !s.isSchema {
		m, ok := s.example.(map[string]any)
		_, has := m[name]
		return ok && has
	}
	n, ok := resolveRef(s.schema, s.schema).(map[string]any)
	if !ok {
		return false
	}
	props, _ := n["properties"].(map[string]any)
	_, has := props[name]
	return has
}

func schemaDeclares(root, node any, segs []string, depth int) bool {
	if len(segs) == 0 || depth > 32 {
		return true
	}
	n, ok := resolveRef(root, node).(map[string]any)
	if !ok {
		// true allows anything; false allows nothing, but the schema
		// check refuses such events anyway.
		return true
	}
	seg := segs[0]
	if isIndex(seg) {
		if items, ok := n["items"]; ok {
			return schemaDeclares(root, items, segs[1:], depth+1)
		}
		return true
	}
	props, hasProps := n["properties"].(map[string]any)
	if p, ok := props[seg]; ok {
		return schemaDeclares(root, p, segs[1:], depth+1)
	}
	var branches []any
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if bs, ok := n[k].([]any); ok {
			branches = append(branches, bs...)
		}
	}
	for _, b := range branches {
		if bn, ok := resolveRef(root, b).(map[string]any); ok && (bn["properties"] != nil || bn["$ref"] != nil) {
			if schemaDeclares(root, b, segs, depth+1) {
				return true
			}
		}
	}
	if _, open := n["additionalProperties"].(map[string]any); open {
		return true
	}
	if n["patternProperties"] != nil {
		return true
	}
	// A node that names no properties at all declares nothing about
	// them: anything is allowed.
	return !hasProps && len(branches) == 0
}

func exampleHas(v any, segs []string) bool {
	for _, seg := range segs {
		switch n := v.(type) {
		case map[string]any:
			e, ok := n[seg]
			if !ok {
				return false
			}
			v = e
		case []any:
			if !isIndex(seg) {
				return false
			}
			if len(n) == 0 {
				return true
			}
			v = n[0]
		default:
			// A scalar has no fields.
			return false
		}
	}
	return true
}

func isIndex(seg string) bool {
	if seg == "#" {
		return true
	}
	_, err := strconv.Atoi(seg)
	return err == nil
}

// resolveRef follows local $refs ("#/$defs/host") of node within root.
func resolveRef(root, node any) any {
	for range 16 {
		n, ok := node.(map[string]any)
		if !ok {
			return node
		}
		ref, ok := n["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return node
		}
		node = schemas.PointerValue(root, strings.TrimPrefix(ref, "#"))
	}
	return node
}

// fieldVariables lists the fields a source declares, as data.* variables.
func (s dataSource) fieldVariables(add func(Variable)) {
	if s.isSchema {
		schemaFields(s.schema, s.schema, "data", s.from, 0, add)
		return
	}
	exampleFields(s.example, "data", s.from, 0, add)
}

func schemaFields(root, node any, prefix, from string, depth int, add func(Variable)) {
	n, ok := resolveRef(root, node).(map[string]any)
	if !ok || depth >= maxFieldDepth {
		return
	}
	props, _ := n["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p, _ := resolveRef(root, props[name]).(map[string]any)
		path := prefix + "." + escapePathKey(name)
		desc, _ := p["description"].(string)
		if desc == "" {
			desc, _ = p["title"].(string)
		}
		if desc == "" {
			desc = "a field of the data of " + from
		}
		v := variable(path, desc)
		v.Type = schemaType(p)
		add(v)
		schemaFields(root, p, path, from, depth+1, add)
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		bs, _ := n[k].([]any)
		for _, b := range bs {
			schemaFields(root, b, prefix, from, depth+1, add)
		}
	}
}

// schemaType is a schema's "type", several joined by "|".
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, e := range t {
			if str, ok := e.(string); ok {
				parts = append(parts, str)
			}
		}
		return strings.Join(parts, "|")
	}
	return ""
}

func exampleFields(v any, prefix, from string, depth int, add func(Variable)) {
	obj, ok := v.(map[string]any)
	if !ok || depth >= maxFieldDepth {
		return
	}
	for _, name := range sortedKeys(obj) {
		path := prefix + "." + escapePathKey(name)
		e := obj[name]
		v := variable(path, "from the example of "+from)
		if from == "the trigger's sample" {
			v.Description = "from the trigger's sample body"
		}
		v.Type = jsonType(e)
		add(v)
		exampleFields(e, path, from, depth+1, add)
	}
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// escapePathKey escapes the characters gjson gives a meaning to in a key.
func escapePathKey(k string) string {
	var sb strings.Builder
	for _, r := range k {
		switch r {
		case '.', '|', '#', '@', '*', '?', '\\', '!', '=', '<', '>', '%', '(', ')':
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
