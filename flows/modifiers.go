package flows

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// Modifiers escape a template's value for where it is written:
// "{{ data.note | json }}" in a raw JSON body, "{{ data.q | urlquery }}" in
// a query string. A "|" with a space on either side starts them (a "|"
// without spaces stays a gjson path separator); several apply left to
// right, each to the text the previous one made.
var modifiers = map[string]func(gjson.Result) string{
	// json writes the value as JSON: a string quoted and escaped, other
	// values as compact JSON, a missing value as null.
	"json": func(r gjson.Result) string {
		if !r.Exists() {
			return "null"
		}
		if r.Type == gjson.String {
			return string(appendJSONString(nil, []byte(r.Str)))
		}
		return string(appendCompact(nil, r))
	},
	// urlquery escapes the value's text for a query parameter or form
	// value (a space becomes "+").
	"urlquery": func(r gjson.Result) string { return url.QueryEscape(valueText(r)) },
	// urlpath escapes the value's text for one URL path segment (a "/"
	// becomes "%2F").
	"urlpath": func(r gjson.Result) string { return url.PathEscape(valueText(r)) },
}

// ModifierNames returns the names of the template modifiers, sorted.
func ModifierNames() []string {
	names := make([]string, 0, len(modifiers))
	for n := range modifiers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// valueText is a value as text interpolation writes it: a string as it is,
// other JSON as its compact text, a missing value as "".
func valueText(r gjson.Result) string {
	switch {
	case !r.Exists():
		return ""
	case r.Type == gjson.String:
		return r.Str
	}
	return string(appendCompact(nil, r))
}

// applyModifiers runs mods over r and returns the text they make. An
// unknown modifier (a validation warning) leaves the value as it is.
func applyModifiers(r gjson.Result, mods []string) string {
	for _, m := range mods {
		fn, ok := modifiers[m]
		if !ok {
			continue
		}
		s := fn(r)
		r = gjson.Result{Type: gjson.String, Str: s, Raw: string(appendJSONString(nil, []byte(s)))}
	}
	return valueText(r)
}

// splitModifiers splits an expression into its path and its modifiers. The
// modifiers start at the first "|" with a space before or after it that is
// outside brackets and quotes (gjson queries may hold "|").
func splitModifiers(expr string) (path string, mods []string, err error) {
	at := -1
	depth, quoted := 0, false
scan:
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '\\':
			i++
		case quoted:
			quoted = c != '"'
		case c == '"':
			quoted = true
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == '|' && depth == 0 && ((i > 0 && expr[i-1] == ' ') || (i+1 < len(expr) && expr[i+1] == ' ')):
			at = i
			break scan
		}
	}
	if at < 0 {
		return expr, nil, nil
	}
	path = strings.TrimSpace(expr[:at])
	if path == "" {
		return "", nil, errors.New("modifier without a value before it")
	}
	for _, m := range strings.Split(expr[at+1:], "|") {
		m = strings.TrimSpace(m)
		if m == "" {
			return "", nil, errors.New("empty modifier after \"|\"")
		}
		if !isModifierName(m) {
			return "", nil, fmt.Errorf("modifier %q is not a name such as \"json\"", m)
		}
		mods = append(mods, m)
	}
	return path, mods, nil
}

func isModifierName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
