package flows

import (
	"errors"
	"fmt"
	"strings"
)

// Roots of the run context that a template path may start with; any other
// first segment that is no shorthand reads inside data. "message" is the
// catalog message when the run has one, else data.message (RunContext.Bytes
// puts the right one there), so it reads inside data like a bare name then.
var contextRoots = map[string]bool{
	"flow": true, "run": true, "trigger": true, "event": true, "steps": true, "data": true,
	"message": true,
}

// shorthands map a template's first segment to its full path.
var shorthands = map[string]string{
	"flow_name":    "flow.name",
	"flow_id":      "flow.id",
	"flow_version": "flow.version",
	"run_id":       "run.id",
	"event_type":   "event.event_type",
	"event_time":   "event.event_time",
}

// Template is a parsed templated string: literal text and {{ expr }}
// expressions, in order.
type Template struct {
	parts []part
	// single is set when the whole string is one expression, so rendering
	// keeps the JSON type of its value.
	single bool
}

type part struct {
	text string   // literal text, or the expression as written
	path string   // resolved gjson path; empty for literal text
	mods []string // modifiers applied to the value, in order
}

// TemplateError is a syntax error in a templated string.
type TemplateError struct {
	// Template is the offending template (abbreviated when long).
	Template string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *TemplateError) Error() string {
	return fmt.Sprintf("invalid template %q: %s", e.Template, e.Reason)
}

// HasTemplate reports whether s contains a template opening "{{"; strings
// without one are copied as they are.
func HasTemplate(s string) bool { return strings.Contains(s, "{{") }

// ParseTemplate parses s; syntax errors are *TemplateError. Text outside "{{ … }}" is literal; a "}}" with no
// opening is literal too, but an unclosed "{{" or an empty or malformed
// expression is an error.
func ParseTemplate(s string) (*Template, error) {
	parts, err := parseParts(nil, s)
	if err != nil {
		return nil, err
	}
	return &Template{parts: parts, single: isSingle(parts)}, nil
}

// isSingle reports whether parts are one expression whose value keeps its
// JSON type; modifiers make text, so an expression with one does not.
func isSingle(parts []part) bool {
	return len(parts) == 1 && parts[0].path != "" && len(parts[0].mods) == 0
}

// parseParts appends the parts of s to dst, so that rendering can reuse one
// slice for every string of a config.
func parseParts(dst []part, s string) ([]part, error) {
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				dst = append(dst, part{text: rest})
			}
			return dst, nil
		}
		if i > 0 {
			dst = append(dst, part{text: rest[:i]})
		}
		body := rest[i+2:]
		j := strings.Index(body, "}}")
		if j < 0 {
			return nil, &TemplateError{Template: abbreviate(rest[i:]), Reason: `"{{" is not closed by "}}"`}
		}
		expr := strings.TrimSpace(body[:j])
		path, mods, err := splitModifiers(expr)
		if err == nil {
			err = checkExpr(path)
		}
		if err != nil {
			return nil, &TemplateError{Template: abbreviate(rest[i : i+2+j+2]), Reason: err.Error()}
		}
		dst = append(dst, part{text: expr, path: ResolvePath(path), mods: mods})
		rest = body[j+2:]
	}
}

func checkExpr(expr string) error {
	switch {
	case expr == "":
		return errors.New("empty expression")
	case strings.Contains(expr, "{{"):
		return errors.New("templates cannot be nested")
	case strings.ContainsAny(expr, "\n\r\t"):
		return errors.New("expression spans lines")
	case expr[0] == '.' || expr[0] == '|':
		return errors.New("expression starts with a separator")
	case expr[len(expr)-1] == '.' || expr[len(expr)-1] == '|':
		return errors.New("expression ends with a separator")
	case strings.Contains(expr, ".."):
		return errors.New("expression has an empty path segment")
	}
	return nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// Single reports whether the template is exactly one expression, whose
// value then keeps its JSON type when rendered into a config.
func (t *Template) Single() bool { return t.single }

// Paths returns the resolved gjson paths of the template's expressions, in
// order.
func (t *Template) Paths() []string {
	var paths []string
	for _, p := range t.parts {
		if p.path != "" {
			paths = append(paths, p.path)
		}
	}
	return paths
}

// ResolvePath turns a template expression into a gjson path over the run
// context: shorthands expand (flow_name → flow.name) and a path whose first
// segment is neither a context root nor a shorthand reads inside data
// (operation_type → data.operation_type). Paths starting with a gjson
// modifier ("@") are kept as they are.
func ResolvePath(expr string) string {
	head, rest := splitHead(expr)
	if contextRoots[head] || strings.HasPrefix(expr, "@") {
		return expr
	}
	if full, ok := shorthands[head]; ok {
		return full + rest
	}
	return "data." + expr
}

// splitHead splits a path at its first unescaped "." or "|"; rest keeps the
// separator.
func splitHead(path string) (head, rest string) {
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++
		case '.', '|':
			return path[:i], path[i:]
		}
	}
	return path, ""
}

// StepRef returns the step id that a resolved path reads
// ("steps.<id>…"), and whether it reads one. Paths with wildcards in the
// id segment name no single step.
func StepRef(path string) (string, bool) {
	head, rest := splitHead(path)
	if head != "steps" || rest == "" {
		return "", false
	}
	id, _ := splitHead(rest[1:])
	if id == "" || strings.ContainsAny(id, "*?\\#@") {
		return "", false
	}
	return id, true
}

// TemplateRefs parses s and returns the resolved gjson paths its templates
// read; a string without templates reads nothing.
func TemplateRefs(s string) ([]string, error) {
	if !HasTemplate(s) {
		return nil, nil
	}
	t, err := ParseTemplate(s)
	if err != nil {
		return nil, err
	}
	return t.Paths(), nil
}
