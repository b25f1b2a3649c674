package flows

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowline/flowline/schemas"
)

// Problem is one thing wrong with a flow document, at a JSON Pointer.
type Problem = schemas.Problem

// Validator checks flow documents against the flow schema, each step's
// connector schema, and the rules no schema can say (unique step ids,
// templates reading only earlier steps). It is safe for concurrent use.
type Validator struct {
	flow       *schemas.Validator
	connectors map[string]*schemas.Validator
	known      string // the known connector types, quoted, for messages
}

// NewValidator compiles the flow schema and the config schema of each
// connector, keyed by connector type.
func NewValidator(connectorSchemas map[string][]byte) (*Validator, error) {
	flow, err := schemas.Compile("flow", schemas.FlowSchema())
	if err != nil {
		return nil, fmt.Errorf("creating flow validator: %w", err)
	}
	v := &Validator{flow: flow, connectors: make(map[string]*schemas.Validator, len(connectorSchemas))}
	types := make([]string, 0, len(connectorSchemas))
	for typ, schema := range connectorSchemas {
		cv, err := schemas.Compile("connectors/"+typ, schema)
		if err != nil {
			return nil, fmt.Errorf("creating flow validator: connector %q: %w", typ, err)
		}
		v.connectors[typ] = cv
		types = append(types, strconv.Quote(typ))
	}
	sort.Strings(types)
	v.known = strings.Join(types, ", ")
	return v, nil
}

// Validate checks raw and returns every problem at once, sorted by pointer.
// The document is returned only when there are no problems. The error is
// only for input that is not JSON (it wraps ErrMalformed).
func (v *Validator) Validate(raw []byte) (*Document, []Problem, error) {
	tree, err := schemas.DecodeJSON(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("validating flow: %w: %w", ErrMalformed, err)
	}
	problems := v.flow.Validate(tree)
	problems = append(problems, v.checkSteps(tree)...)
	problems = append(problems, checkResponse(tree)...)
	problems = append(problems, checkSchedule(tree)...)
	if problems = schemas.SortProblems(problems); len(problems) > 0 {
		return nil, problems, nil
	}
	doc, err := ParseDocument(raw)
	if err != nil {
		// The schema and the types disagree: a bug, but still the
		// document's problem to report rather than a server error.
		return nil, []Problem{{Pointer: "", Message: err.Error()}}, nil
	}
	return doc, nil, nil
}

// checkSteps runs the per-step checks: connector type and config, unique
// ids and templates.
func (v *Validator) checkSteps(tree any) []Problem {
	root, _ := tree.(map[string]any)
	steps, _ := root["steps"].([]any)
	// Where each id is first used, so a template can tell a later step
	// from one that does not exist.
	firstIndex := map[string]int{}
	for i, s := range steps {
		step, _ := s.(map[string]any)
		if id, ok := step["id"].(string); ok {
			if _, dup := firstIndex[id]; !dup {
				firstIndex[id] = i
			}
		}
	}
	var problems []Problem
	for i, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			continue
		}
		at := "/steps/" + strconv.Itoa(i)
		id, _ := step["id"].(string)
		if first, ok := firstIndex[id]; ok && first != i {
			problems = append(problems, Problem{Pointer: at + "/id", Message: fmt.Sprintf("duplicate step id %q: step %d already uses it", id, first)})
		}
		problems = append(problems, checkRetry(step["retry"], at+"/retry")...)
		config, isObject := step["config"].(map[string]any)
		if typ, ok := step["type"].(string); ok && typ != "" {
			if cv, known := v.connectors[typ]; !known {
				problems = append(problems, Problem{Pointer: at + "/type", Message: v.unknownType(typ)})
			} else if isObject {
				for _, p := range cv.Validate(config) {
					problems = append(problems, Problem{Pointer: at + "/config" + p.Pointer, Message: p.Message})
				}
			}
		}
		if isObject {
			check := func(ref string) string {
				first, exists := firstIndex[ref]
				switch {
				case !exists:
					return fmt.Sprintf("template reads step %q, which does not exist", ref)
				case ref == id:
					return fmt.Sprintf("step %q cannot read its own output", id)
				case first >= i:
					return fmt.Sprintf("step %q does not run before step %q", ref, id)
				}
				return ""
			}
			problems = checkTemplates(config, at+"/config", check, problems)
		}
	}
	return problems
}

// checkRetry reports a max_interval shorter than initial_interval, which
// Temporal would reject when the run starts rather than at publish.
func checkRetry(retry any, at string) []Problem {
	r, _ := retry.(map[string]any)
	initial, _ := r["initial_interval"].(string)
	longest, _ := r["max_interval"].(string)
	if initial == "" || longest == "" {
		return nil
	}
	i, err1 := time.ParseDuration(initial)
	m, err2 := time.ParseDuration(longest)
	if err1 != nil || err2 != nil || m >= i {
		return nil
	}
	return []Problem{{Pointer: at + "/max_interval", Message: fmt.Sprintf("max_interval %q is shorter than initial_interval %q", longest, initial)}}
}

func (v *Validator) unknownType(typ string) string {
	if v.known == "" {
		return fmt.Sprintf("unknown connector type %q: no connectors are registered", typ)
	}
	return fmt.Sprintf("unknown connector type %q; known types: %s", typ, v.known)
}

// checkResponse checks the templates of a webhook's sync response, which
// is rendered after every step has run.
func checkResponse(tree any) []Problem {
	root, _ := tree.(map[string]any)
	trigger, _ := root["trigger"].(map[string]any)
	response, ok := trigger["response"]
	if !ok {
		return nil
	}
	ids := map[string]bool{}
	steps, _ := root["steps"].([]any)
	for _, s := range steps {
		step, _ := s.(map[string]any)
		if id, ok := step["id"].(string); ok {
			ids[id] = true
		}
	}
	check := func(ref string) string {
		if !ids[ref] {
			return fmt.Sprintf("template reads step %q, which does not exist", ref)
		}
		return ""
	}
	return checkTemplates(response, "/trigger/response", check, nil)
}

// checkTemplates parses every template in the strings of v, at any depth,
// and asks check about each step it reads; check returns a problem message
// or "".
func checkTemplates(v any, ptr string, check func(step string) string, problems []Problem) []Problem {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			problems = checkTemplates(e, ptr+"/"+schemas.EscapePointerToken(k), check, problems)
		}
	case []any:
		for i, e := range v {
			problems = checkTemplates(e, ptr+"/"+strconv.Itoa(i), check, problems)
		}
	case string:
		paths, err := TemplateRefs(v)
		if err != nil {
			return append(problems, Problem{Pointer: ptr, Message: err.Error()})
		}
		for _, path := range paths {
			if ref, ok := StepRef(path); ok {
				if msg := check(ref); msg != "" {
					problems = append(problems, Problem{Pointer: ptr, Message: msg})
				}
			}
		}
	}
	return problems
}

// ValidateStep checks one step on its own, outside any flow: its connector
// type and its config against that connector's schema, with problems at
// "/type" and "/config/…". Templates are checked for syntax only: with no
// flow around the step, any step may be read. The error is only for a config
// that is not JSON (it wraps ErrMalformed).
func (v *Validator) ValidateStep(typ string, config []byte) ([]Problem, error) {
	cv, known := v.connectors[typ]
	if !known {
		return []Problem{{Pointer: "/type", Message: v.unknownType(typ)}}, nil
	}
	tree, err := schemas.DecodeJSON(config)
	if err != nil {
		return nil, fmt.Errorf("validating step: %w: %w", ErrMalformed, err)
	}
	var problems []Problem
	for _, p := range cv.Validate(tree) {
		problems = append(problems, Problem{Pointer: "/config" + p.Pointer, Message: p.Message})
	}
	problems = checkTemplates(tree, "/config", func(string) string { return "" }, problems)
	return schemas.SortProblems(problems), nil
}
