package schemas

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// MissingDescriptions returns the JSON Pointers (into the schema) of every
// property schema that lacks a non-empty "description". Connector packages
// call it from their tests so that every field a builder shows is
// documented.
//
// Properties under "if" are conditions, not definitions, and boolean
// property schemas ("events": false) only forbid a field; neither needs a
// description. Invalid JSON is reported as a single entry.
func MissingDescriptions(schemaJSON []byte) []string {
	var root any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return []string{"(schema is not valid JSON: " + err.Error() + ")"}
	}
	var missing []string
	walkDescriptions(root, "", false, &missing)
	sort.Strings(missing)
	return missing
}

func walkDescriptions(node any, ptr string, inIf bool, missing *[]string) {
	switch n := node.(type) {
	case []any:
		for i, item := range n {
			walkDescriptions(item, ptr+"/"+strconv.Itoa(i), inIf, missing)
		}
	case map[string]any:
		for key, val := range n {
			at := ptr + "/" + EscapePointerToken(key)
			switch key {
			case "properties", "patternProperties":
				props, _ := val.(map[string]any)
				for name, sch := range props {
					p := at + "/" + EscapePointerToken(name)
					if m, ok := sch.(map[string]any); ok && !inIf {
						if d, _ := m["description"].(string); strings.TrimSpace(d) == "" {
							*missing = append(*missing, p)
						}
					}
					walkDescriptions(sch, p, inIf, missing)
				}
			case "$defs", "definitions", "dependentSchemas":
				defs, _ := val.(map[string]any)
				for name, sch := range defs {
					walkDescriptions(sch, at+"/"+EscapePointerToken(name), inIf, missing)
				}
			case "if":
				walkDescriptions(val, at, true, missing)
			case "enum", "const", "default", "examples", "required":
				// Values, not schemas.
			default:
				if !strings.HasPrefix(key, "x-") {
					walkDescriptions(val, at, inIf, missing)
				}
			}
		}
	}
}
