package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/flowline/flowline/schemas"
)

// Event type categories.
const (
	CategoryEvent = "event"
	CategoryAlarm = "alarm"
)

// EventType is one entry of the event catalog: a type of event flows can
// subscribe to, the JSON Schema of its data, an example, and a message
// template per language.
type EventType struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Category is CategoryEvent or CategoryAlarm.
	Category string `json:"category"`
	// Schema is the JSON Schema of the event's data; nil when undeclared.
	Schema json.RawMessage `json:"schema"`
	// Example is an example of the event's data; nil when none.
	Example json.RawMessage `json:"example"`
	// Messages are the message templates in the order they were declared.
	Messages Messages `json:"messages"`
}

// Message is the message template of one language.
type Message struct {
	// Language is a BCP 47 tag such as en, zh-CN or de.
	Language string
	Template string
}

// Messages are message templates by language, kept in the order they were
// declared: the first declared is the last fallback. Its JSON form is an
// object from language tag to template.
type Messages []Message

// MarshalJSON writes the messages as an object, in declaration order.
func (m Messages) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, msg := range m {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(msg.Language)
		if err != nil {
			return nil, fmt.Errorf("encoding messages: %w", err)
		}
		v, err := json.Marshal(msg.Template)
		if err != nil {
			return nil, fmt.Errorf("encoding messages: %w", err)
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object from language tag to template, keeping the
// order of its keys; null is no messages.
func (m *Messages) UnmarshalJSON(data []byte) error {
	*m = nil
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("decoding messages: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("decoding messages: want an object from language tag to template")
	}
	out := Messages{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("decoding messages: %w", err)
		}
		lang, _ := tok.(string)
		var tmpl string
		if err := dec.Decode(&tmpl); err != nil {
			return fmt.Errorf("decoding messages: %s: %w", lang, err)
		}
		out = append(out, Message{Language: lang, Template: tmpl})
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("decoding messages: %w", err)
	}
	*m = out
	return nil
}

// languageTag matches a well-formed BCP 47 language tag (RFC 5646): a
// two- or three-letter language (the longer forms are reserved and never
// used), then optional extended language, script, region, variants,
// extensions and a private use part; or a private use tag alone.
var languageTag = regexp.MustCompile(`(?i)^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}` +
	`(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*` +
	`(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*(?:-x(?:-[a-z0-9]{1,8})+)?|x(?:-[a-z0-9]{1,8})+)$`)

// ValidLanguageTag reports whether tag is a well-formed BCP 47 language
// tag such as "en", "zh-CN", "de" or "sr-Latn-RS".
func ValidLanguageTag(tag string) bool { return languageTag.MatchString(tag) }

// languageProblem is the message for a malformed language tag.
func languageProblem(tag string) string {
	return fmt.Sprintf("%q is not a BCP 47 language tag (such as \"en\", \"zh-CN\" or \"de\")", tag)
}

// eventTypeValidator checks event type documents against
// schemas/event_type.schema.json.
var eventTypeValidator = func() *schemas.Validator {
	v, err := schemas.Compile("event_type", schemas.EventTypeSchema())
	if err != nil {
		panic(err) // the embedded schema is part of the program
	}
	return v
}()

// ParseEventType decodes and checks an event type: its fields against the
// event type schema, its data schema (it must compile, and may refer to
// nothing outside itself), its example (it must match the schema), its
// language tags and its message templates. It returns every problem at
// once, at pointers into raw; the type is returned only when there are
// none, with its category defaulted. The error is only for input that is
// not JSON (it wraps ErrMalformed).
func ParseEventType(raw []byte) (*EventType, []Problem, error) {
	tree, err := schemas.DecodeJSON(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("reading event type: %w: %w", ErrMalformed, err)
	}
	problems := eventTypeValidator.Validate(tree)
	if len(problems) > 0 {
		return nil, problems, nil
	}
	var et EventType
	if err := json.Unmarshal(raw, &et); err != nil {
		return nil, []Problem{{Pointer: "", Message: err.Error()}}, nil
	}
	if et.Category == "" {
		et.Category = CategoryEvent
	}
	et.Schema, et.Example = nullAsAbsent(et.Schema), nullAsAbsent(et.Example)
	problems = append(problems, checkEventType(&et)...)
	if problems = schemas.SortProblems(problems); len(problems) > 0 {
		return nil, problems, nil
	}
	return &et, nil, nil
}

// checkEventType runs the checks no schema can say.
func checkEventType(et *EventType) []Problem {
	var problems []Problem
	if et.Schema != nil {
		v, err := schemas.CompileUntrusted("event-types/"+et.Name, et.Schema)
		if err != nil {
			problems = append(problems, schemaProblems(err, "/schema")...)
		} else if et.Example != nil {
			ps, err := v.ValidateJSON(et.Example)
			if err != nil {
				problems = append(problems, Problem{Pointer: "/example", Message: err.Error()})
			}
			for _, p := range ps {
				problems = append(problems, Problem{Pointer: "/example" + p.Pointer, Message: "the example does not match the schema: " + p.Message})
			}
		}
	}
	seen := map[string]string{}
	for _, m := range et.Messages {
		at := "/messages/" + schemas.EscapePointerToken(m.Language)
		if !ValidLanguageTag(m.Language) {
			problems = append(problems, Problem{Pointer: at, Message: languageProblem(m.Language)})
			continue
		}
		if first, dup := seen[strings.ToLower(m.Language)]; dup {
			problems = append(problems, Problem{Pointer: at, Message: fmt.Sprintf("language %q is declared twice (as %q too)", m.Language, first)})
			continue
		}
		seen[strings.ToLower(m.Language)] = m.Language
		problems = append(problems, checkMessageTemplate(m.Template, at)...)
	}
	return problems
}

// checkMessageTemplate checks a message template: valid syntax, and no
// step outputs, since the message is rendered before any step runs.
func checkMessageTemplate(tmpl, at string) []Problem {
	paths, err := TemplateRefs(tmpl)
	if err != nil {
		return []Problem{{Pointer: at, Message: err.Error()}}
	}
	for _, p := range paths {
		if _, ok := StepRef(p); ok || p == "steps" || strings.HasPrefix(p, "steps.") {
			return []Problem{{Pointer: at, Message: "a message is rendered when the event arrives, before any step runs: it cannot read steps"}}
		}
	}
	return nil
}

// schemaProblems turns an error of schemas.CompileUntrusted into problems
// under the pointer at.
func schemaProblems(err error, at string) []Problem {
	var se *schemas.SchemaError
	if !errors.As(err, &se) {
		return []Problem{{Pointer: at, Message: "the schema does not compile: " + err.Error()}}
	}
	out := make([]Problem, 0, len(se.Problems))
	for _, p := range se.Problems {
		out = append(out, Problem{Pointer: at + p.Pointer, Message: "the schema does not compile: " + p.Message})
	}
	return out
}

// nullAsAbsent treats a JSON null as an absent value.
func nullAsAbsent(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	return raw
}
