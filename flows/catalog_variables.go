package flows

import "strings"

// VariablesFor is Variables with what the event catalog adds: for an
// event trigger, message and the data.* fields of the subscribed types'
// schemas (or examples); for a webhook, the data.* fields of its sample.
// They come right after the trigger's own variables.
func VariablesFor(d *Document, c *Catalog) []StepVariables {
	out := Variables(d)
	extra := catalogVariables(d, c)
	if len(extra) == 0 || len(out) == 0 {
		return out
	}
	// The first step has no earlier steps: its list is exactly the
	// common and trigger variables.
	n := len(out[0].Variables)
	for i := range out {
		vars := make([]Variable, 0, len(out[i].Variables)+len(extra))
		vars = append(vars, out[i].Variables[:n]...)
		vars = append(vars, extra...)
		out[i].Variables = append(vars, out[i].Variables[n:]...)
	}
	return out
}

func catalogVariables(d *Document, c *Catalog) []Variable {
	var out []Variable
	if d.Trigger.Type == TriggerEvent {
		out = append(out, messageVariable(d, c))
	}
	var sources []dataSource
	switch d.Trigger.Type {
	case TriggerEvent:
		// Every subscribed type contributes what it declares, even when
		// others declare nothing.
		for _, e := range c.Subscribed(d) {
			if src, ok := e.dataSource(); ok {
				sources = append(sources, src)
			}
		}
	case TriggerWebhook:
		sources, _ = dataSources(d, c)
	}
	seen := map[string]bool{}
	for _, s := range sources {
		s.fieldVariables(func(v Variable) {
			if !seen[v.Path] {
				seen[v.Path] = true
				out = append(out, v)
			}
		})
	}
	return out
}

// messageVariable describes message for an event trigger: which types
// give one, in which language, or that it stays empty.
func messageVariable(d *Document, c *Catalog) Variable {
	var with []string
	for _, e := range c.Subscribed(d) {
		if len(e.Messages) > 0 {
			with = append(with, e.Name)
		}
	}
	v := variable("message", "")
	v.Type = "string"
	if len(with) == 0 {
		v.Description = "empty: no subscribed event type in the catalog declares a message"
		return v
	}
	lang := "English, else the first declared language"
	if d.Trigger.Language != "" {
		lang = d.Trigger.Language + " (else English, else the first declared language)"
	}
	v.Description = "the event type's message in " + lang + ", rendered for the event; declared by " + strings.Join(with, ", ")
	return v
}
