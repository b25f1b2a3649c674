package flows_test

import (
	"encoding/json"
	"testing"
)

// TestTriggerLanguageAndSample checks the two trigger fields the catalog
// adds: language (event triggers, a BCP 47 tag) and sample (webhooks).
func TestTriggerLanguageAndSample(t *testing.T) {
	v := newValidator(t)
	doc := func(trigger string) []byte {
		return []byte(`{"name": "n", "trigger": ` + trigger + `, "steps": [{"id": "a", "type": "http", "config": {"url": "https://x"}}]}`)
	}
	d, problems, err := v.Validate(doc(`{"type": "event", "events": ["host.*"], "language": "zh-CN"}`))
	if err != nil || problems != nil || d.Trigger.Language != "zh-CN" {
		t.Fatalf("event with language: %+v %v", problems, err)
	}
	d, problems, err = v.Validate(doc(`{"type": "webhook", "sample": {"order": 42}}`))
	if err != nil || problems != nil || string(d.Trigger.Sample) != `{"order": 42}` {
		t.Fatalf("webhook with sample: %+v %v", problems, err)
	}
	for trigger, pointer := range map[string]string{
		`{"type": "event", "events": ["a"], "language": "chinese"}`: "/trigger/language",
		`{"type": "event", "events": ["a"], "sample": {}}`:          "/trigger/sample",
		`{"type": "manual", "language": "en"}`:                      "/trigger/language",
		`{"type": "webhook", "language": "en"}`:                     "/trigger/language",
		`{"type": "schedule", "every": "1m", "sample": 1}`:          "/trigger/sample",
	} {
		_, problems, err := v.Validate(doc(trigger))
		if err != nil || len(problems) != 1 || problems[0].Pointer != pointer {
			b, _ := json.Marshal(problems)
			t.Errorf("%s: problems %s, want one at %s", trigger, b, pointer)
		}
	}
}
