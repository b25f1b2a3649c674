package flows

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/flowline/flowline/schemas"
)

// Warning is something in a valid flow document that is most likely a
// mistake but does not stop it from running: a template modifier that does
// not exist, a template path that can never hold a value.
type Warning struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Fields of the run context whose names are fixed, by root.
var (
	flowFields  = []string{"id", "name", "version"}
	runFields   = []string{"id", "started_at"}
	eventFields = []string{"event_id", "event_time", "event_type", "current_context", "data"}
)

// Warnings returns the warnings of a valid document, sorted by pointer. It
// only warns where it is certain: a bare name reads inside data, whose
// shape no flow document states, so such names are never warned about.
func Warnings(d *Document) []Warning {
	var out []Warning
	for i, s := range d.Steps {
		var config any
		if err := json.Unmarshal(s.Config, &config); err != nil {
			continue
		}
		out = templateWarnings(config, "/steps/"+strconv.Itoa(i)+"/config", d.Trigger.Type, out)
	}
	if len(d.Trigger.Response) > 0 {
		var response any
		if err := json.Unmarshal(d.Trigger.Response, &response); err == nil {
			out = templateWarnings(response, "/trigger/response", d.Trigger.Type, out)
		}
	}
	return sortWarnings(out)
}

func sortWarnings(ws []Warning) []Warning {
	if len(ws) == 0 {
		return nil
	}
	ps := make([]schemas.Problem, len(ws))
	for i, w := range ws {
		ps[i] = schemas.Problem{Pointer: w.Pointer, Message: w.Message}
	}
	ps = schemas.SortProblems(ps)
	out := make([]Warning, len(ps))
	for i, p := range ps {
		out[i] = Warning{Pointer: p.Pointer, Message: p.Message}
	}
	return out
}

// templateWarnings walks the strings of v, at any depth.
func templateWarnings(v any, ptr, trigger string, out []Warning) []Warning {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			out = templateWarnings(e, ptr+"/"+schemas.EscapePointerToken(k), trigger, out)
		}
	case []any:
		for i, e := range v {
			out = templateWarnings(e, ptr+"/"+strconv.Itoa(i), trigger, out)
		}
	case string:
		if !HasTemplate(v) {
			return out
		}
		t, err := ParseTemplate(v)
		if err != nil {
			return out // an error, reported by Validate
		}
		for _, p := range t.parts {
			if p.path == "" {
				continue
			}
			for _, m := range p.mods {
				if _, ok := modifiers[m]; !ok {
					out = append(out, Warning{ptr, fmt.Sprintf("unknown template modifier %q in {{ %s }} is ignored; known modifiers: %s", m, p.text, strings.Join(ModifierNames(), ", "))})
				}
			}
			if msg := pathWarning(p.path, trigger); msg != "" {
				out = append(out, Warning{ptr, fmt.Sprintf("{{ %s }} is always empty: %s", p.text, msg)})
			}
		}
	}
	return out
}

// pathWarning says why a resolved path can never hold a value in a run of a
// flow with the given trigger type (any flow may also be run manually), or
// returns "".
func pathWarning(path, trigger string) string {
	if msg := gjsonModifierWarning(path); msg != "" {
		return msg
	}
	head, rest := splitHead(path)
	field := ""
	if strings.HasPrefix(rest, ".") {
		field, _ = splitHead(rest[1:])
		if strings.ContainsAny(field, "*?\\#@") {
			field = ""
		}
	}
	switch head {
	case "flow":
		return fieldWarning("flow", field, flowFields)
	case "run":
		return fieldWarning("run", field, runFields)
	case "trigger":
		fields := []string{"type", "body"}
		if trigger == TriggerWebhook {
			fields = append(fields, "headers", "query", "files")
		} else if field == "headers" || field == "query" || field == "files" {
			return fmt.Sprintf("trigger.%s is only set for webhook triggers, and this flow's trigger is %q", field, trigger)
		}
		return fieldWarning("trigger", field, fields)
	case "event":
		if trigger != TriggerEvent {
			return fmt.Sprintf("event is only set for event triggers, and this flow's trigger is %q", trigger)
		}
		return fieldWarning("event", field, eventFields)
	}
	return ""
}

func fieldWarning(root, field string, fields []string) string {
	if field == "" {
		return ""
	}
	for _, f := range fields {
		if f == field {
			return ""
		}
	}
	return fmt.Sprintf("%s has no field %q; it has %s", root, field, strings.Join(fields, ", "))
}

// gjsonModifierWarning names a gjson "@modifier" in path that gjson does
// not have (it would make the value missing).
func gjsonModifierWarning(path string) string {
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++
			continue
		case '@':
			if i > 0 && path[i-1] != '.' && path[i-1] != '|' {
				continue
			}
			j := i + 1
			for j < len(path) && path[j] != '.' && path[j] != '|' && path[j] != ':' {
				j++
			}
			if name := path[i+1 : j]; name != "" && !gjson.ModifierExists(name, nil) {
				return fmt.Sprintf("gjson has no modifier @%s", name)
			}
		}
	}
	return ""
}
