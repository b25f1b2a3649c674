package flows

import "strings"

// MessageTemplate picks the type's message template for language (a BCP
// 47 tag, or "" for none): the one declared for that tag (compared without
// regard to case), else one for the same primary language ("zh" for
// "zh-CN", or "zh-TW" when only that is declared), else English, else the
// first declared. ok is false when the type declares no message.
func (t *EventType) MessageTemplate(language string) (tmpl string, ok bool) {
	if len(t.Messages) == 0 {
		return "", false
	}
	if m, found := t.findMessage(func(tag string) bool { return strings.EqualFold(tag, language) }); found {
		return m, true
	}
	if primary := primaryLanguage(language); primary != "" {
		if m, found := t.findMessage(func(tag string) bool { return strings.EqualFold(tag, primary) }); found {
			return m, true
		}
		if m, found := t.findMessage(func(tag string) bool { return strings.EqualFold(primaryLanguage(tag), primary) }); found {
			return m, true
		}
	}
	if m, found := t.findMessage(func(tag string) bool { return strings.EqualFold(primaryLanguage(tag), "en") }); found {
		return m, true
	}
	return t.Messages[0].Template, true
}

func (t *EventType) findMessage(match func(tag string) bool) (string, bool) {
	for _, m := range t.Messages {
		if match(m.Language) {
			return m.Template, true
		}
	}
	return "", false
}

// primaryLanguage is the first subtag of a language tag: "zh" of "zh-CN".
func primaryLanguage(tag string) string {
	p, _, _ := strings.Cut(tag, "-")
	return p
}

// RenderMessage renders an event type's message template over a run
// context built for the event (flow, run, trigger, event and data; no
// steps). A template that fails to render gives "": templates are checked
// when the type is stored, so that only happens to a bug.
func RenderMessage(tmpl string, rc *RunContext) string {
	b, err := rc.Bytes()
	if err != nil {
		return ""
	}
	s, err := RenderString(tmpl, b)
	if err != nil {
		return ""
	}
	return s
}
