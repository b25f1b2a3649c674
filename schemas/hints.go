package schemas

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// MissingErrorHints returns the JSON Pointers (into the schema) of every
// schema that has a "pattern" or a "format" but no "x-error" hint. Without
// one, a failed value could only be explained by showing the regular
// expression, which tells a user nothing; tests call this on every schema
// the product serves.
//
// Schemas under "if" are conditions, never reported to the user. Invalid
// JSON is reported as a single entry.
func MissingErrorHints(schemaJSON []byte) []string {
	var root any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return []string{"(schema is not valid JSON: " + err.Error() + ")"}
	}
	var missing []string
	walkHints(root, "", &missing)
	sort.Strings(missing)
	return missing
}

func walkHints(node any, ptr string, missing *[]string) {
	switch n := node.(type) {
	case []any:
		for i, item := range n {
			walkHints(item, ptr+"/"+strconv.Itoa(i), missing)
		}
	case map[string]any:
		_, pattern := n["pattern"].(string)
		_, format := n["format"].(string)
		if hint, _ := n["x-error"].(string); (pattern || format) && strings.TrimSpace(hint) == "" {
			*missing = append(*missing, ptr)
		}
		for key, val := range n {
			switch {
			case key == "if", strings.HasPrefix(key, "x-"):
			case key == "enum", key == "const", key == "default", key == "examples", key == "required":
				// Values, not schemas.
			case key == "properties", key == "patternProperties", key == "$defs", key == "definitions", key == "dependentSchemas":
				m, _ := val.(map[string]any)
				for name, sch := range m {
					walkHints(sch, ptr+"/"+key+"/"+EscapePointerToken(name), missing)
				}
			default:
				walkHints(val, ptr+"/"+EscapePointerToken(key), missing)
			}
		}
	}
}
