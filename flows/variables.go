package flows

// Variable is one template variable a builder can offer while the user
// types: the text to insert ({{ path }}) and what it holds.
type Variable struct {
	Path        string `json:"path"`
	Template    string `json:"template"`
	Description string `json:"description"`
	// Type is the JSON type of the value when a schema, example or
	// sample says it ("string", "integer|null"); empty when unknown.
	Type string `json:"type,omitempty"`
}

// StepVariables lists the variables available in one step's config.
type StepVariables struct {
	StepID    string     `json:"step_id"`
	Variables []Variable `json:"variables"`
}

func variable(path, description string) Variable {
	return Variable{Path: path, Template: "{{ " + path + " }}", Description: description}
}

// triggerVariables are what a trigger type puts into the run context.
func triggerVariables(t string) []Variable {
	vars := []Variable{variable("trigger.type", "what started the run: "+t)}
	switch t {
	case TriggerManual:
		vars = append(vars,
			variable("trigger.body", "the JSON posted to start the run"),
			variable("data", "the JSON posted to start the run (same as trigger.body)"))
	case TriggerWebhook:
		vars = append(vars,
			variable("trigger.body", "the webhook's body (parsed JSON, or form fields)"),
			variable("trigger.headers", "the webhook's request headers"),
			variable("trigger.query", "the webhook's query parameters"),
			variable("trigger.files", "files uploaded with the webhook, by form field"),
			variable("data", "the webhook's body"))
	case TriggerEvent:
		vars = append(vars,
			variable("event", "the event envelope"),
			variable("event.event_id", "the event's id"),
			variable("event.current_context", "the context the sender attached"),
			variable("event_type", "the event's type"),
			variable("event_time", "when the event happened (RFC 3339)"),
			variable("data", "the event's data"))
	}
	return vars
}

// Variables lists, for each step of d, the template variables its config
// may use: the run and flow shorthands, what the trigger provides, and the
// outputs of the steps that run before it.
func Variables(d *Document) []StepVariables {
	common := []Variable{
		variable("flow_name", "the flow's name"),
		variable("flow_id", "the flow's id"),
		variable("flow.version", "the published version being run"),
		variable("run_id", "this run's id"),
		variable("run.started_at", "when this run started (RFC 3339)"),
	}
	common = append(common, triggerVariables(d.Trigger.Type)...)
	out := make([]StepVariables, 0, len(d.Steps))
	var earlier []Variable
	for _, s := range d.Steps {
		vars := make([]Variable, 0, len(common)+len(earlier))
		vars = append(append(vars, common...), earlier...)
		out = append(out, StepVariables{StepID: s.ID, Variables: vars})
		earlier = append(earlier,
			variable("steps."+s.ID+".status", "the HTTP status step "+s.ID+" received"),
			variable("steps."+s.ID+".headers", "the response headers step "+s.ID+" received"),
			variable("steps."+s.ID+".body", "the response body step "+s.ID+" received (parsed when JSON)"))
	}
	return out
}
