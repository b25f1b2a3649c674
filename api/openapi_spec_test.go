package api

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specURL is where tests load the served document, so that "#/…"
// references resolve inside it.
const specURL = "https://flowline.invalid/openapi.json"

// httpMethods are the operations an OpenAPI 3.1 path item may hold.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// spec is the served OpenAPI document, decoded, with a compiler over it.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// loadSpec builds the served document and decodes it.
func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := openAPIDocument()
	if err != nil {
		t.Fatalf("building the document: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("decoding the document: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, doc); err != nil {
		t.Fatalf("adding the document: %v", err)
	}
	return &spec{doc: doc.(map[string]any), compiler: c, compiled: map[string]*jsonschema.Schema{}}
}

// schema compiles the schema at a JSON Pointer into the document.
func (s *spec) schema(pointer string) (*jsonschema.Schema, error) {
	if sch, ok := s.compiled[pointer]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(specURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", pointer, err)
	}
	s.compiled[pointer] = sch
	return sch, nil
}

// paths is the document's paths object.
func (s *spec) paths() map[string]any {
	p, _ := s.doc["paths"].(map[string]any)
	return p
}

// operation returns the operation for method (lower case) on the path
// template, and the path item it belongs to.
func (s *spec) operation(path, method string) (op, item map[string]any) {
	item, _ = s.paths()[path].(map[string]any)
	op, _ = item[method].(map[string]any)
	return op, item
}

// resolve follows a "$ref" to a component, once.
func (s *spec) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	target, _ := s.lookup(strings.TrimPrefix(ref, "#")).(map[string]any)
	return target
}

// lookup returns the value at a JSON Pointer, or nil.
func (s *spec) lookup(pointer string) any {
	var cur any = s.doc
	if pointer == "" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// parameters returns an operation's parameters and its path item's,
// resolved, the operation's first.
func (s *spec) parameters(op, item map[string]any) []map[string]any {
	var out []map[string]any
	for _, src := range []map[string]any{op, item} {
		list, _ := src["parameters"].([]any)
		for _, p := range list {
			if r := s.resolve(p); r != nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// pointerToken escapes one JSON Pointer token.
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusDocumented reports whether an operation documents status, by code,
// by range (2XX) or by default.
func statusDocumented(op map[string]any, status int) bool {
	responses, _ := op["responses"].(map[string]any)
	code := fmt.Sprint(status)
	if _, ok := responses[code]; ok {
		return true
	}
	if _, ok := responses[code[:1]+"XX"]; ok {
		return true
	}
	_, ok := responses["default"]
	return ok
}

// mediaTypeKey finds the content entry that describes contentType: the
// exact type, then type/*, then */*.
func mediaTypeKey(content map[string]any, contentType string) (string, bool) {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	for _, k := range []string{mt, strings.SplitN(mt, "/", 2)[0] + "/*", "*/*"} {
		if _, ok := content[k]; ok {
			return k, true
		}
	}
	return "", false
}

// ginPathToOpenAPI turns a Gin route (/flows/:id, /assets/*filepath) into
// an OpenAPI path template (/flows/{id}, /assets/{filepath}).
func ginPathToOpenAPI(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
			segs[i] = "{" + seg[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// matchPath finds the documented path template that a concrete path
// matches, preferring literal segments over templated ones
// (/flows/validate over /flows/{id}).
func (s *spec) matchPath(path string) (string, bool) {
	segs := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for tmpl := range s.paths() {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, ts := range tsegs {
			switch {
			case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}"):
				ok = ok && segs[i] != ""
			case ts == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = tmpl, literals
		}
	}
	return best, bestLiterals >= 0
}
