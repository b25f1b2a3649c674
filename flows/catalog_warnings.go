package flows

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/flowline/flowline/schemas"
)

// CatalogWarnings checks a valid document against the event catalog:
// every event trigger pattern that matches no declared type (only when
// the catalog declares some: without a catalog, any type goes), and every
// template reading a data field that none of the subscribed types' schemas
// (or examples, or the webhook's sample) declares. Warnings are sorted by
// pointer.
func CatalogWarnings(d *Document, c *Catalog) []Warning {
	var out []Warning
	if c.Len() > 0 {
		out = append(out, SubscriptionWarnings(d, c)...)
	}
	out = append(out, dataFieldWarnings(d, c)...)
	out = append(out, messageWarnings(d, c)...)
	return sortWarnings(out)
}

// SubscriptionWarnings lists, at /trigger/events/N, each pattern of an
// event trigger that matches no type of the catalog. In strict mode these
// are problems instead.
func SubscriptionWarnings(d *Document, c *Catalog) []Warning {
	if d.Trigger.Type != TriggerEvent {
		return nil
	}
	var out []Warning
	for i, p := range d.Trigger.Events {
		if len(c.Matching(p)) > 0 {
			continue
		}
		msg := fmt.Sprintf("no event type in the catalog matches %q", p)
		if !strings.Contains(p, "*") {
			msg = fmt.Sprintf("event type %q is not in the catalog", p)
		}
		out = append(out, Warning{Pointer: "/trigger/events/" + strconv.Itoa(i), Message: msg})
	}
	return out
}

// dataFieldWarnings lists the templates of step configs (and of a
// webhook's response) that read a data field the trigger's data sources do
// not declare. Nothing is said when the data is not fully known.
func dataFieldWarnings(d *Document, c *Catalog) []Warning {
	sources, known := dataSources(d, c)
	if !known {
		return nil
	}
	var names []string
	for _, s := range sources {
		names = append(names, s.from)
	}
	from := "the subscribed event types (" + strings.Join(names, ", ") + ")"
	if d.Trigger.Type == TriggerWebhook {
		from = "the trigger's sample"
	}
	var out []Warning
	check := func(ptr string, path string) {
		rest, ok := strings.CutPrefix(path, "data.")
		if !ok {
			return
		}
		segs, ok := pathSegments(rest)
		if !ok {
			return
		}
		for _, s := range sources {
			if s.declares(segs) {
				return
			}
		}
		out = append(out, Warning{Pointer: ptr, Message: fmt.Sprintf("template reads %s, which %s do not declare", path, from)})
	}
	for i, s := range d.Steps {
		walkTemplates(s.Config, "/steps/"+strconv.Itoa(i)+"/config", check)
	}
	walkTemplates(d.Trigger.Response, "/trigger/response", check)
	return out
}

// messageWarnings lists the templates reading {{ message }} in an event
// flow whose subscribed types declare messages while some type's data also
// names a "message" field: message is then the catalog's, not the field.
func messageWarnings(d *Document, c *Catalog) []Warning {
	var withMessages, withField bool
	for _, e := range c.Subscribed(d) {
		withMessages = withMessages || len(e.Messages) > 0
		if src, ok := e.dataSource(); ok && src.names("message") {
			withField = true
		}
	}
	if !withMessages || !withField {
		return nil
	}
	var out []Warning
	check := func(ptr, path string) {
		if head, _ := splitHead(path); head == "message" {
			out = append(out, Warning{Pointer: ptr, Message: "{{ message }} is the event type's catalog message; the data field is {{ data.message }}"})
		}
	}
	for i, s := range d.Steps {
		walkTemplates(s.Config, "/steps/"+strconv.Itoa(i)+"/config", check)
	}
	walkTemplates(d.Trigger.Response, "/trigger/response", check)
	return out
}

// walkTemplates calls fn with the pointer and each resolved path of every
// template in the strings of raw.
func walkTemplates(raw json.RawMessage, ptr string, fn func(ptr, path string)) {
	if len(raw) == 0 {
		return
	}
	tree, err := schemas.DecodeJSON(raw)
	if err != nil {
		return
	}
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(e, ptr+"/"+schemas.EscapePointerToken(k))
			}
		case []any:
			for i, e := range v {
				walk(e, ptr+"/"+strconv.Itoa(i))
			}
		case string:
			paths, err := TemplateRefs(v)
			if err != nil {
				return
			}
			for _, p := range paths {
				fn(ptr, p)
			}
		}
	}
	walk(tree, ptr)
}

// AllWarnings returns every warning about a valid document, sorted by
// pointer: its template warnings (Warnings) and the catalog's
// (CatalogWarnings).
func AllWarnings(d *Document, cat *Catalog) []Warning {
	return sortWarnings(append(Warnings(d), CatalogWarnings(d, cat)...))
}
