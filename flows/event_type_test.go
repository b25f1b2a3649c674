package flows

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const hostLost = `{
  "name": "host.connection_lost",
  "title": "Host connection lost",
  "category": "alarm",
  "schema": {"type": "object", "required": ["host"],
             "properties": {"host": {"type": "string", "description": "the host's name"},
                            "since": {"type": "integer"},
                            "site": {"$ref": "#/$defs/site"}},
             "$defs": {"site": {"type": "object", "properties": {"city": {"type": "string", "description": "where"}}}}},
  "example": {"host": "db-1", "since": 30},
  "messages": {"de": "Host {{ data.host }} getrennt", "en": "Host {{ data.host }} lost its connection at {{ event_time }}", "zh-CN": "主机 {{ data.host }} 断开连接"}
}`

func TestParseEventTypeAcceptsAndDefaults(t *testing.T) {
	et, problems, err := ParseEventType([]byte(hostLost))
	if err != nil || problems != nil {
		t.Fatalf("ParseEventType: %v %v", problems, err)
	}
	if et.Category != CategoryAlarm || len(et.Messages) != 3 || et.Messages[0].Language != "de" || et.Messages[2].Language != "zh-CN" {
		t.Fatalf("event type %+v", et)
	}
	b, err := json.Marshal(et.Messages)
	if err != nil || !strings.HasPrefix(string(b), `{"de":`) || !strings.Contains(string(b), `"zh-CN":"主机`) {
		t.Fatalf("messages JSON %s %v: declaration order lost", b, err)
	}
	plain, problems, err := ParseEventType([]byte(`{"name": "order.created"}`))
	if err != nil || problems != nil || plain.Category != CategoryEvent || plain.Schema != nil || plain.Messages != nil {
		t.Fatalf("plain type %+v %v %v", plain, problems, err)
	}
	if _, _, err := ParseEventType([]byte(`{"name": `)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed: %v", err)
	}
}

func TestParseEventTypeProblems(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string // pointer: message fragment
	}{
		{"bad name and category", `{"name": "host.*", "category": "warning", "extra": 1}`,
			[]string{"/category:", "/extra:", "/name:is not an event type name"}},
		{"schema does not compile", `{"name": "a.b", "schema": {"type": "strin", "properties": {"x": {"minLength": -1}}}}`,
			[]string{"/schema/properties/x/minLength:the schema does not compile", "/schema/type:the schema does not compile"}},
		{"schema reads a file", `{"name": "a.b", "schema": {"$ref": "file:///etc/passwd"}}`,
			[]string{"/schema:may only refer to itself"}},
		{"example does not match", `{"name": "a.b", "schema": {"type": "object", "properties": {"host": {"type": "string"}}}, "example": {"host": 3}}`,
			[]string{"/example/host:the example does not match the schema"}},
		{"language tags", `{"name": "a.b", "messages": {"english": "x", "en": "a", "EN": "b", "zh_CN": "y"}}`,
			[]string{"/messages/EN:declared twice", "/messages/english:is not a BCP 47 language tag", "/messages/zh_CN:is not a BCP 47 language tag"}},
		{"message templates", `{"name": "a.b", "messages": {"en": "{{ data.host", "de": "{{ steps.a.body }}"}}`,
			[]string{"/messages/de:cannot read steps", "/messages/en:invalid template"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			et, problems, err := ParseEventType([]byte(tc.doc))
			if err != nil || et != nil {
				t.Fatalf("ParseEventType = %+v, %v", et, err)
			}
			if len(problems) != len(tc.want) {
				t.Fatalf("problems %+v, want %d", problems, len(tc.want))
			}
			for i, w := range tc.want {
				ptr, frag, _ := strings.Cut(w, ":")
				if problems[i].Pointer != ptr || !strings.Contains(problems[i].Message, frag) {
					t.Errorf("problem %d = %+v, want %s", i, problems[i], w)
				}
			}
		})
	}
}

func TestValidLanguageTag(t *testing.T) {
	for _, ok := range []string{"en", "zh-CN", "de", "sr-Latn-RS", "es-419", "de-CH-1996", "x-private", "zh-Hant"} {
		if !ValidLanguageTag(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "english", "zh_CN", "e", "en-", "-en", "en--US", "中文"} {
		if ValidLanguageTag(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMessageTemplateFallbacks(t *testing.T) {
	et := EventType{Messages: Messages{{"de", "DE"}, {"en", "EN"}, {"zh-CN", "ZH"}, {"pt-BR", "PT"}}}
	for lang, want := range map[string]string{
		"zh-CN": "ZH", "ZH-cn": "ZH", "zh": "ZH", "zh-TW": "ZH", "de-AT": "DE", "pt": "PT", "fr": "EN", "": "EN",
	} {
		if got, ok := et.MessageTemplate(lang); !ok || got != want {
			t.Errorf("MessageTemplate(%q) = %q, want %q", lang, got, want)
		}
	}
	noEnglish := EventType{Messages: Messages{{"fr", "FR"}, {"de", "DE"}}}
	if got, _ := noEnglish.MessageTemplate("ja"); got != "FR" {
		t.Errorf("without English: %q, want the first declared", got)
	}
	if _, ok := (&EventType{}).MessageTemplate("en"); ok {
		t.Error("a type without messages gave one")
	}
}

func TestRenderMessage(t *testing.T) {
	rc := &RunContext{Flow: FlowInfo{Name: "Alerts"},
		Event: json.RawMessage(`{"event_type":"host.connection_lost","event_time":"2026-01-02T03:04:05Z","data":{"host":"db-1"}}`),
		Data:  json.RawMessage(`{"host":"db-1"}`)}
	got := RenderMessage("{{ flow_name }}: host {{ data.host }} ({{ host }}) lost at {{ event_time }}", rc)
	if want := "Alerts: host db-1 (db-1) lost at 2026-01-02T03:04:05Z"; got != want {
		t.Fatalf("RenderMessage = %q, want %q", got, want)
	}
}

func TestMessageIsAContextRoot(t *testing.T) {
	rc := &RunContext{Data: json.RawMessage(`{"message":"from data"}`), Message: "from the catalog"}
	b, err := rc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got, err := RenderString("{{ message }} / {{ data.message }}", b)
	if err != nil || got != "from the catalog / from data" {
		t.Fatalf("rendered %q, %v", got, err)
	}
}

// A run without a catalog message (webhook, manual, an event type with no
// messages) reads {{ message }} inside data, as any bare name.
func TestMessageFallsBackToData(t *testing.T) {
	cases := []struct {
		name string
		rc   RunContext
		cfg  string
		want string
	}{
		{"webhook body", RunContext{Trigger: TriggerInfo{Type: "webhook", Body: json.RawMessage(`{"message":"hi"}`)}, Data: json.RawMessage(`{"message":"hi"}`)},
			`{"text":"{{ message }}","typed":"{{ message }}"}`, `{"text":"hi","typed":"hi"}`},
		{"typed data", RunContext{Data: json.RawMessage(`{"message":{"a":1}}`)},
			`{"typed":"{{ message }}","deep":"{{ message.a }}","text":"m={{ message }}"}`, `{"typed":{"a":1},"deep":1,"text":"m={\"a\":1}"}`},
		{"no message field", RunContext{Data: json.RawMessage(`{"other":1}`)}, `{"typed":"{{ message }}","text":"[{{ message }}]"}`, `{"typed":null,"text":"[]"}`},
		{"data not an object", RunContext{Data: json.RawMessage(`["message"]`)}, `{"typed":"{{ message }}"}`, `{"typed":null}`},
		{"catalog message wins", RunContext{Data: json.RawMessage(`{"message":"hi"}`), Message: "from the catalog"},
			`{"text":"{{ message }}","field":"{{ data.message }}"}`, `{"text":"from the catalog","field":"hi"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.rc.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(json.RawMessage(c.cfg), b)
			if err != nil || string(got) != c.want {
				t.Fatalf("Render = %s, %v; want %s", got, err, c.want)
			}
		})
	}
}
