package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/schemas"
)

// OpenAPIPath serves the OpenAPI 3.1 document of the REST API, outside
// /api/v1 and never behind the API token, like the probes: a client needs
// it to learn how to call the API in the first place.
const OpenAPIPath = "/openapi.json"

// openAPISource is the hand-maintained document. Schemas owned by the
// schemas package are not copied into it: a component schema that holds
// only "x-flowline-embed" (and a description) names the schema served in
// its place (see embeddedSchemas).
//
//go:embed openapi.json
var openAPISource []byte

// embedKeyword marks a component schema the handler replaces.
const embedKeyword = "x-flowline-embed"

// embeddedSchemas are the schemas an "x-flowline-embed" may name. The flow
// schema keeps its "$id", so its "#/$defs/…" references resolve inside it
// wherever it is placed (JSON Schema 2020-12, as OpenAPI 3.1 uses).
var embeddedSchemas = map[string]func() []byte{
	"flow":  schemas.FlowSchema,
	"event": schemas.EventSchema,
}

// openAPIDocument is the document as served, built once.
var openAPIDocument = sync.OnceValues(func() ([]byte, error) {
	return buildOpenAPI(openAPISource)
})

// buildOpenAPI puts the schemas package's schemas in place of the
// component schemas that name them and returns the document.
func buildOpenAPI(src []byte) ([]byte, error) {
	var top, components, schemaSet map[string]json.RawMessage
	if err := json.Unmarshal(src, &top); err != nil {
		return nil, fmt.Errorf("building the openapi document: %w", err)
	}
	if err := json.Unmarshal(top["components"], &components); err != nil {
		return nil, fmt.Errorf("building the openapi document: reading components: %w", err)
	}
	if err := json.Unmarshal(components["schemas"], &schemaSet); err != nil {
		return nil, fmt.Errorf("building the openapi document: reading component schemas: %w", err)
	}
	for name, raw := range schemaSet {
		var marker map[string]json.RawMessage
		if err := json.Unmarshal(raw, &marker); err != nil || marker[embedKeyword] == nil {
			continue
		}
		var which string
		if err := json.Unmarshal(marker[embedKeyword], &which); err != nil {
			return nil, fmt.Errorf("building the openapi document: schema %s: %s is not a string", name, embedKeyword)
		}
		schema, ok := embeddedSchemas[which]
		if !ok {
			return nil, fmt.Errorf("building the openapi document: schema %s names %q, which is no embedded schema", name, which)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, schema()); err != nil {
			return nil, fmt.Errorf("building the openapi document: schema %s: %w", name, err)
		}
		schemaSet[name] = compact.Bytes()
	}
	var err error
	if components["schemas"], err = json.Marshal(schemaSet); err != nil {
		return nil, fmt.Errorf("building the openapi document: %w", err)
	}
	if top["components"], err = json.Marshal(components); err != nil {
		return nil, fmt.Errorf("building the openapi document: %w", err)
	}
	out, err := json.Marshal(top)
	if err != nil {
		return nil, fmt.Errorf("building the openapi document: %w", err)
	}
	return out, nil
}

// openAPI answers the OpenAPI document.
func (s *server) openAPI(c *gin.Context) {
	doc, err := openAPIDocument()
	if err != nil {
		internalError(c, "building the openapi document", err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
}
