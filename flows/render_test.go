package flows_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flowline/flowline/flows"
)

const runContext = `{
	"flow": {"id": "f_123", "name": "Sync errors", "version": 3},
	"run": {"id": "r_456", "started_at": "2025-01-02T03:04:05Z"},
	"trigger": {"type": "event", "body": {"a": 1}},
	"event": {"event_id": "e1", "event_type": "sync.failed", "event_time": "2025-01-02T03:00:00Z", "data": {"message": "boom"}},
	"data": {
		"message": "boom",
		"count": 42,
		"ratio": 1.50,
		"ok": true,
		"nothing": null,
		"user": {"name": "Ada", "tags": ["x", "y"]},
		"operation_type": "insert",
		"quote": "say \"hi\"\n",
		"html": "<b>&</b>"
	},
	"steps": {"create": {"status": 201, "headers": {"Location": "/items/7"}, "body": {"id": 7, "items": [{"n": 1}, {"n": 2}]}}}
}`

func TestRender(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"no templates kept as is", `{"a": 1, "b": "plain"}`, `{"a": 1, "b": "plain"}`},
		{"typed number", `{"n": "{{ data.count }}"}`, `{"n":42}`},
		{"typed number keeps its text", `{"n": "{{ data.ratio }}"}`, `{"n":1.50}`},
		{"typed bool", `{"b": "{{data.ok}}"}`, `{"b":true}`},
		{"typed null", `{"v": "{{ data.nothing }}"}`, `{"v":null}`},
		{"typed missing is null", `{"v": "{{ data.absent }}"}`, `{"v":null}`},
		{"typed object", `{"u": "{{ data.user }}"}`, `{"u":{"name":"Ada","tags":["x","y"]}}`},
		{"typed array", `{"t": "{{ user.tags }}"}`, `{"t":["x","y"]}`},
		{"typed string", `{"s": "{{ data.message }}"}`, `{"s":"boom"}`},
		{"interpolated string", `{"s": "{{ flow_name }}: {{ data.message }}"}`, `{"s":"Sync errors: boom"}`},
		{"interpolated number", `{"s": "count={{ data.count }}"}`, `{"s":"count=42"}`},
		{"interpolated object is compact JSON", `{"s": "user {{ data.user }}"}`, `{"s":"user {\"name\":\"Ada\",\"tags\":[\"x\",\"y\"]}"}`},
		{"interpolated missing is empty", `{"s": "[{{ data.absent }}]"}`, `{"s":"[]"}`},
		{"interpolated null", `{"s": "[{{ data.nothing }}]"}`, `{"s":"[null]"}`},
		{"interpolation escapes", `{"s": "q={{ data.quote }}"}`, `{"s":"q=say \"hi\"\n"}`},
		{"no HTML escaping", `{"s": "{{ data.html }}!"}`, `{"s":"<b>&</b>!"}`},
		{"shorthands", `["{{ flow_id }}", "{{ flow_version }}", "{{ run_id }}", "{{ event_type }}", "{{ event_time }}", "{{ flow_name }}"]`,
			`["f_123",3,"r_456","sync.failed","2025-01-02T03:00:00Z","Sync errors"]`},
		{"bare names read data", `{"op": "{{ operation_type }}", "who": "{{ user.name }}"}`, `{"op":"insert","who":"Ada"}`},
		{"data shorthand", `{"d": "{{ data.user.tags.1 }}"}`, `{"d":"y"}`},
		{"steps", `{"id": "{{ steps.create.body.id }}", "loc": "{{ steps.create.headers.Location }}", "s": "{{ steps.create.status }}"}`,
			`{"id":7,"loc":"/items/7","s":201}`},
		{"gjson paths", `{"ns": "{{ steps.create.body.items.#.n }}", "len": "{{ steps.create.body.items.# }}"}`, `{"ns":[1,2],"len":2}`},
		{"nested and arrays", `{"a": [{"b": ["x", "{{ data.count }}", {"c": "{{ run.id }}"}]}], "n": 1.5e3, "t": true, "z": null}`,
			`{"a":[{"b":["x",42,{"c":"r_456"}]}],"n":1.5e3,"t":true,"z":null}`},
		{"key order preserved", `{"zeta": "{{ data.count }}", "alpha": 1, "mid": {"y": "{{ data.ok }}", "b": 2}}`,
			`{"zeta":42,"alpha":1,"mid":{"y":true,"b":2}}`},
		{"keys are not templated", `{"{{ data.message }}": "{{ data.message }}"}`, `{"{{ data.message }}":"boom"}`},
		{"surrounding space is text", `{"s": " {{ data.count }}"}`, `{"s":" 42"}`},
		{"no spaces needed", `{"s": "{{data.count}}{{data.message}}"}`, `{"s":"42boom"}`},
		{"escaped braces in JSON", `{"s": "\u007b\u007b data.count }}"}`, `{"s":42}`},
		{"stray closing braces are text", `{"s": "a}}b {{ data.count }}"}`, `{"s":"a}}b 42"}`},
		{"top-level string", `"{{ data.user }}"`, `{"name":"Ada","tags":["x","y"]}`},
		{"unicode", `{"s": "héllo {{ user.name }} ✓"}`, `{"s":"héllo Ada ✓"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flows.Render(json.RawMessage(tt.config), []byte(runContext))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Render(%s)\n got %s\nwant %s", tt.config, got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	for _, config := range []string{`{"s": "{{ data.x"}`, `{"s": "{{ }}"}`, `{"a": `, `nope`} {
		if _, err := flows.Render(json.RawMessage(config), []byte(runContext)); err == nil {
			t.Errorf("Render(%s) returned no error", config)
		}
	}
	_, err := flows.Render(json.RawMessage(`{"s": "{{ }}"}`), []byte(runContext))
	var te *flows.TemplateError
	if !errors.As(err, &te) {
		t.Errorf("error %v is not a *TemplateError", err)
	}
}

func TestRenderString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"{{ flow_name }}", "Sync errors"},
		{"https://x.example/{{ steps.create.body.id }}?op={{ operation_type }}", "https://x.example/7?op=insert"},
		{"{{ data.user }}", `{"name":"Ada","tags":["x","y"]}`},
		{"{{ data.ok }}/{{ data.nothing }}/{{ data.absent }}", "true/null/"},
		{"{{ data.quote }}", "say \"hi\"\n"},
	}
	for _, tt := range tests {
		got, err := flows.RenderString(tt.in, []byte(runContext))
		if err != nil {
			t.Errorf("RenderString(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("RenderString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, err := flows.RenderString("{{ x", []byte(runContext)); err == nil {
		t.Error("RenderString accepted an unclosed template")
	}
}

func TestResolvePath(t *testing.T) {
	tests := map[string]string{
		"flow_name":         "flow.name",
		"flow_id":           "flow.id",
		"flow_version":      "flow.version",
		"run_id":            "run.id",
		"event_type":        "event.event_type",
		"event_time":        "event.event_time",
		"data":              "data",
		"data.x":            "data.x",
		"operation_type":    "data.operation_type",
		"user.name":         "data.user.name",
		"flow.name":         "flow.name",
		"steps.a.body":      "steps.a.body",
		"trigger.files.f":   "trigger.files.f",
		"event":             "event",
		"flows.x":           "data.flows.x",
		"items.#.id":        "data.items.#.id",
		"@this":             "@this",
		"flow_name|@upper":  "flow.name|@upper",
		`dotted\.key.inner`: `data.dotted\.key.inner`,
	}
	for in, want := range tests {
		if got := flows.ResolvePath(in); got != want {
			t.Errorf("ResolvePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStepRef(t *testing.T) {
	tests := []struct {
		path, id string
		ok       bool
	}{
		{"steps.create.body.id", "create", true},
		{"steps.create", "create", true},
		{"steps", "", false},
		{"steps.*.status", "", false},
		{"data.steps.x", "", false},
	}
	for _, tt := range tests {
		id, ok := flows.StepRef(tt.path)
		if id != tt.id || ok != tt.ok {
			t.Errorf("StepRef(%q) = %q, %v; want %q, %v", tt.path, id, ok, tt.id, tt.ok)
		}
	}
}

func TestTemplateRefs(t *testing.T) {
	refs, err := flows.TemplateRefs("{{ a }} and {{ steps.b.body }} and {{ flow_name }}")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"data.a", "steps.b.body", "flow.name"}
	if len(refs) != len(want) {
		t.Fatalf("refs = %q, want %q", refs, want)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Errorf("refs[%d] = %q, want %q", i, refs[i], want[i])
		}
	}
	if refs, err := flows.TemplateRefs("none"); refs != nil || err != nil {
		t.Errorf("TemplateRefs(none) = %v, %v", refs, err)
	}
}

func TestRunContext(t *testing.T) {
	rc := flows.RunContext{
		Flow:    flows.FlowInfo{ID: "f1", Name: "Flow", Version: 2},
		Run:     flows.RunInfo{ID: "r1", StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
		Trigger: flows.TriggerInfo{Type: "manual", Body: json.RawMessage(`{"x": 1}`)},
		Data:    json.RawMessage(`{"x": 1}`),
	}
	b, err := rc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"flow":{"id":"f1","name":"Flow","version":2},"run":{"id":"r1","started_at":"2025-01-02T03:04:05Z"},"trigger":{"type":"manual","body":{"x":1}},"data":{"x":1},"steps":{}}`
	if string(b) != want {
		t.Errorf("Bytes() =\n %s\nwant\n %s", b, want)
	}
	rc.WithStep("first", json.RawMessage(`{"status": 200, "body": {"id": "abc"}}`))
	b, err = rc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got, err := flows.Render(json.RawMessage(`{"id": "{{ steps.first.body.id }}", "x": "{{ x }}", "v": "{{ flow_version }}"}`), b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"id":"abc","x":1,"v":2}` {
		t.Errorf("rendered %s", got)
	}
}

func TestTemplateExecuteAndValue(t *testing.T) {
	ctx := []byte(runContext)
	single, err := flows.ParseTemplate("{{ data.user.tags }}")
	if err != nil {
		t.Fatal(err)
	}
	if !single.Single() {
		t.Error("Single() = false for one expression")
	}
	if got := string(single.Value(ctx)); got != `["x","y"]` {
		t.Errorf("Value = %s", got)
	}
	if got := single.Execute(ctx); got != `["x","y"]` {
		t.Errorf("Execute = %s", got)
	}
	mixed, err := flows.ParseTemplate("n={{ data.count }} {{ data.absent }}")
	if err != nil {
		t.Fatal(err)
	}
	if mixed.Single() {
		t.Error("Single() = true for text and expressions")
	}
	if got := string(mixed.Value(ctx)); got != `"n=42 "` {
		t.Errorf("Value = %s", got)
	}
	if got := mixed.Paths(); len(got) != 2 || got[0] != "data.count" || got[1] != "data.absent" {
		t.Errorf("Paths = %q", got)
	}
}
