package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/flowline/flowline/schemas"
)

// TestOpenAPIServed checks that GET /openapi.json answers the document
// without the API token, and that the schemas package's flow and event
// schemas are served in it by reference, not copied into the source.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.APIToken = "s3cret" })
	req := e.request("GET", OpenAPIPath, "")
	req.Header.Del("Authorization")
	rec := e.send(req).want(t, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var served struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	rec.decode(t, &served)
	if served.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", served.OpenAPI)
	}
	for name, want := range map[string][]byte{"FlowDocument": schemas.FlowSchema(), "Event": schemas.EventSchema()} {
		if !jsonEqual(t, served.Components.Schemas[name], want) {
			t.Errorf("served %s is not the schemas package's schema:\n%s", name, served.Components.Schemas[name])
		}
	}

	// The source names the schemas; it must not carry a copy that could
	// drift from what is validated.
	var source struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISource, &source); err != nil {
		t.Fatalf("decoding api/openapi.json: %v", err)
	}
	for name, which := range map[string]string{"FlowDocument": "flow", "Event": "event"} {
		s := source.Components.Schemas[name]
		if s[embedKeyword] != which {
			t.Errorf("api/openapi.json %s: %s = %v, want %q", name, embedKeyword, s[embedKeyword], which)
		}
		for k := range s {
			if k != embedKeyword && k != "description" {
				t.Errorf("api/openapi.json %s holds %q besides the reference: the schema is served from the schemas package", name, k)
			}
		}
	}
	if bytes.Contains(openAPISource, []byte(`"x-error"`)) {
		t.Error("api/openapi.json holds x-error annotations: part of the flow schema was copied into it")
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestOpenAPICompiles checks the document's structure (the parts a
// generator or validator relies on) and that every schema in it compiles
// as JSON Schema 2020-12: the components, and every schema of a parameter,
// header, request body and response.
func TestOpenAPICompiles(t *testing.T) {
	s := loadSpec(t)
	if s.doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", s.doc["openapi"])
	}
	info, _ := s.doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info = %v, want a title and a version", info)
	}
	components, _ := s.doc["components"].(map[string]any)
	componentSchemas, _ := components["schemas"].(map[string]any)
	if len(componentSchemas) == 0 {
		t.Fatal("no component schemas")
	}
	for _, name := range sortedKeys(componentSchemas) {
		if _, err := s.schema("/components/schemas/" + pointerToken(name)); err != nil {
			t.Errorf("component schema %s: %v", name, err)
		}
	}

	// The embedded flow schema keeps working where it is placed: its
	// "#/$defs/…" references resolve against its own $id.
	flow, err := s.schema("/components/schemas/FlowDocument")
	if err != nil {
		t.Fatal(err)
	}
	for doc, valid := range map[string]bool{validDoc: true, strings.Replace(validDoc, `"id": "notify"`, `"id": "Notify"`, 1): false} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := flow.Validate(v); (err == nil) != valid {
			t.Errorf("FlowDocument validating %s: %v, want valid %v", doc, err, valid)
		}
	}

	// Every reference outside the embedded schemas (whose own references
	// resolve against their $id) points at a component that exists.
	walkRefs(t, s, s.doc, "")

	placeholder := regexp.MustCompile(`\{([^}]+)\}`)
	operationIDs := map[string]string{}
	paths := s.paths()
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		inPath := map[string]bool{}
		for _, m := range placeholder.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
		}
		found := false
		for _, method := range httpMethods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			found = true
			where := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", where)
			} else if other, dup := operationIDs[id]; dup {
				t.Errorf("%s and %s share operationId %q", where, other, id)
			}
			operationIDs[id] = where
			declared := map[string]bool{}
			for i, p := range s.parameters(op, item) {
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
					if p["required"] != true {
						t.Errorf("%s: path parameter %v is not required", where, p["name"])
					}
				}
				if p["schema"] == nil {
					t.Errorf("%s: parameter %d (%v) has no schema", where, i, p["name"])
				}
			}
			if !reflect.DeepEqual(declared, inPath) {
				t.Errorf("%s: path parameters %v, template has %v", where, declared, inPath)
			}
			responses, _ := op["responses"].(map[string]any)
			success := false
			for _, code := range sortedKeys(responses) {
				if code == "default" || code[0] == '2' || code[0] == '3' {
					success = true
				}
				if r := s.resolve(responses[code]); r == nil || r["description"] == nil {
					t.Errorf("%s: response %s has no description", where, code)
				}
			}
			if !success {
				t.Errorf("%s documents no successful answer", where)
			}
		}
		if !found {
			t.Errorf("%s has no operation", path)
		}
	}

	// Every other schema: of parameters, headers, request bodies and
	// responses, inline or in components.
	var pointers []string
	schemaPointers(s.doc["paths"], "/paths", &pointers)
	for _, part := range []string{"parameters", "responses", "headers", "requestBodies"} {
		schemaPointers(components[part], "/components/"+part, &pointers)
	}
	if len(pointers) < len(operationIDs) {
		t.Errorf("found %d schemas outside components for %d operations", len(pointers), len(operationIDs))
	}
	for _, p := range pointers {
		if _, err := s.schema(p); err != nil {
			t.Error(err)
		}
	}
}

// walkRefs checks that every "$ref" under v resolves inside the document.
// The embedded schemas are skipped: their references resolve against
// their own $id.
func walkRefs(t *testing.T, s *spec, v any, pointer string) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if _, embedded := embeddedSchemaNames()[pointer]; embedded {
			return
		}
		if ref, ok := v["$ref"].(string); ok {
			if !strings.HasPrefix(ref, "#/") || s.lookup(strings.TrimPrefix(ref, "#")) == nil {
				t.Errorf("%s: $ref %q does not resolve in the document", pointer, ref)
			}
		}
		for _, k := range sortedKeys(v) {
			walkRefs(t, s, v[k], pointer+"/"+pointerToken(k))
		}
	case []any:
		for i, x := range v {
			walkRefs(t, s, x, fmt.Sprintf("%s/%d", pointer, i))
		}
	}
}

// embeddedSchemaNames returns the pointers of the component schemas that
// the source names by embedKeyword.
func embeddedSchemaNames() map[string]bool {
	var source struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	out := map[string]bool{}
	if json.Unmarshal(openAPISource, &source) != nil {
		return out
	}
	for name, s := range source.Components.Schemas {
		if s[embedKeyword] != nil {
			out["/components/schemas/"+pointerToken(name)] = true
		}
	}
	return out
}

// schemaPointers collects the pointers of the "schema" of every parameter,
// header and media type under v; it does not descend into schemas.
func schemaPointers(v any, pointer string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if k == "schema" {
				*out = append(*out, pointer+"/schema")
				continue
			}
			schemaPointers(v[k], pointer+"/"+pointerToken(k), out)
		}
	case []any:
		for i, x := range v {
			schemaPointers(x, fmt.Sprintf("%s/%d", pointer, i), out)
		}
	}
}

// TestOpenAPICoversRoutes checks that every route Gin registers is
// documented: method and path, with Gin's :id and *path as OpenAPI's {id}
// and {path}. Documented routes that are not registered are only logged,
// so the document may describe calls that other branches are adding.
func TestOpenAPICoversRoutes(t *testing.T) {
	s := loadSpec(t)
	e := newEnv(t, nil)
	engine, ok := e.h.(*gin.Engine)
	if !ok {
		t.Fatalf("New returned %T, want *gin.Engine", e.h)
	}
	routes := engine.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	registered := map[string]bool{}
	for _, r := range routes {
		method := strings.ToLower(r.Method)
		path := ginPathToOpenAPI(r.Path)
		registered[method+" "+path] = true
		if r.Method == http.MethodConnect {
			// Gin's Any registers CONNECT too, which OpenAPI 3.1 cannot
			// describe; the webhook answers it like any method its
			// trigger does not list.
			continue
		}
		if op, _ := s.operation(path, method); op == nil {
			t.Errorf("route %s %s (%s) is not in api/openapi.json", r.Method, r.Path, path)
		}
	}
	paths := s.paths()
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, method := range httpMethods {
			if item[method] != nil && !registered[method+" "+path] {
				t.Logf("documented but not registered (yet): %s %s", strings.ToUpper(method), path)
			}
		}
	}
}
