package flows

import (
	"strings"
	"testing"
)

func TestVariablesOfferOnlyEarlierSteps(t *testing.T) {
	d := &Document{Trigger: Trigger{Type: TriggerEvent, Events: []string{"a.b"}},
		Steps: []Step{{ID: "first"}, {ID: "second"}}}
	vs := Variables(d)
	if len(vs) != 2 || vs[0].StepID != "first" || vs[1].StepID != "second" {
		t.Fatalf("steps %+v", vs)
	}
	has := func(sv StepVariables, path string) bool {
		for _, v := range sv.Variables {
			if v.Path == path {
				return v.Template == "{{ "+path+" }}" && v.Description != ""
			}
		}
		return false
	}
	for _, p := range []string{"flow_name", "run_id", "event_type", "event.current_context", "data"} {
		if !has(vs[0], p) {
			t.Errorf("first step lacks %s", p)
		}
	}
	if has(vs[0], "steps.first.body") || !has(vs[1], "steps.first.body") || has(vs[1], "steps.second.status") {
		t.Error("step outputs offered out of order")
	}
	for _, v := range vs[1].Variables {
		// Every offered path must be one the validator accepts in that step.
		if _, err := TemplateRefs(v.Template); err != nil || strings.Contains(v.Path, "second") {
			t.Errorf("variable %+v", v)
		}
	}
	m := Variables(&Document{Trigger: Trigger{Type: TriggerManual}, Steps: []Step{{ID: "a"}}})
	if !has(m[0], "trigger.body") || has(m[0], "event_type") {
		t.Error("manual trigger variables wrong")
	}
}
