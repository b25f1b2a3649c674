package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// TestSuccessMessage is the message of a successful POST /actions/test.
const TestSuccessMessage = "Notification successfully sent."

// TestResult is the answer of POST /actions/test: whether the step
// succeeded, what failed if not, the request as sent (secrets redacted),
// the response as received and how long the attempt took.
type TestResult struct {
	OK         bool            `json:"ok"`
	Message    string          `json:"message"`
	Request    json.RawMessage `json:"request"`
	Response   json.RawMessage `json:"response"`
	DurationMS int64           `json:"duration_ms"`
}

// testCall is a decoded POST /actions/test body.
type testCall struct {
	typ     string
	config  json.RawMessage
	context []byte // the JSON of a flows.RunContext
	// secrets maps the synthetic credential refs written into config to
	// the secrets given inline in its auth block.
	secrets map[string]string
}

// testAction runs one step config once, now, outside Temporal, through the
// connector that runs it in flows. A failing step is still a 200: the test
// ran, and the answer says what failed.
func (s *server) testAction(c *gin.Context) {
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	a, problems := decodeTestAction(raw)
	if len(problems) == 0 {
		problems = s.validateTestAction(a)
	}
	if len(problems) > 0 {
		unprocessable(c, "the test request", problems)
		return
	}
	s.runTest(c, a)
}

// runTest runs a decoded, valid test call once and answers its
// TestResult. POST /actions/test and the saved-step test share it.
func (s *server) runTest(c *gin.Context, a *testCall) {
	conn, ok := s.registry.Get(a.typ)
	if !ok {
		// The validator knows every registered connector: a mismatch is a
		// wiring error.
		internalError(c, "testing the step", fmt.Errorf("connector %q is not registered", a.typ))
		return
	}

	start := time.Now()
	out := TestResult{OK: true, Message: TestSuccessMessage}
	config, err := flows.Render(a.config, a.context)
	if err != nil {
		out.OK, out.Message = false, err.Error()
	} else {
		ctx := connectors.WithInlineSecrets(c.Request.Context(), a.secrets)
		res, err := conn.Execute(ctx, connectors.Request{
			RunID: "test", StepID: "test", Attempt: 1, Config: config,
			IdempotencyKey: "test_" + randomHex(12),
		})
		if res != nil {
			out.Request, out.Response = res.Request, res.Response
		}
		if err != nil {
			out.OK, out.Message = false, err.Error()
		}
	}
	out.DurationMS = time.Since(start).Milliseconds()
	// The connector redacts the secrets it resolves; redacting the inline
	// ones again keeps this answer clean whatever path an error took.
	// The records are redacted inside their strings, never as encoded
	// JSON, so that no secret can break their structure.
	var red connectors.Redactor
	for _, secret := range a.secrets {
		red.Add(secret)
	}
	out.Message = red.Text(out.Message)
	out.Request = red.JSON(out.Request)
	out.Response = red.JSON(out.Response)
	respond(c, http.StatusOK, out)
}

// decodeTestAction checks the shape of a POST /actions/test body: an object
// with a string type, an object config and an optional object context. An
// auth block's "secret" is moved out of config and replaced by a synthetic
// credential ref. Every problem is reported at once.
func decodeTestAction(raw []byte) (*testCall, []flows.Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, []flows.Problem{{Pointer: "", Message: "the body must be a JSON object with type, config and optionally context"}}
	}
	var problems []flows.Problem
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "type" && k != "config" && k != "context" {
			problems = append(problems, flows.Problem{Pointer: "/" + pointerEscape(k), Message: fmt.Sprintf("unknown field %q; only type, config and context are accepted", k)})
		}
	}
	a := &testCall{}
	if v, ok := fields["type"]; !ok {
		problems = append(problems, flows.Problem{Pointer: "/type", Message: "type is required"})
	} else if err := json.Unmarshal(v, &a.typ); err != nil || a.typ == "" {
		problems = append(problems, flows.Problem{Pointer: "/type", Message: "type must be a non-empty string naming a connector"})
	}
	var config map[string]json.RawMessage
	if v, ok := fields["config"]; !ok {
		problems = append(problems, flows.Problem{Pointer: "/config", Message: "config is required"})
	} else if err := json.Unmarshal(v, &config); err != nil || config == nil {
		problems = append(problems, flows.Problem{Pointer: "/config", Message: "config must be an object"})
	} else {
		var ps []flows.Problem
		a.config, a.secrets, ps = inlineSecrets(v, config)
		problems = append(problems, ps...)
	}
	var ps []flows.Problem
	a.context, ps = decodeTestContext(fields["context"])
	return a, append(problems, ps...)
}

// decodeTestContext decodes the optional sample run context of a test
// call (nil or null for none) into the JSON of a flows.RunContext.
func decodeTestContext(v json.RawMessage) ([]byte, []flows.Problem) {
	var problems []flows.Problem
	rc := flows.RunContext{Run: flows.RunInfo{ID: "test", StartedAt: time.Now().UTC()}, Trigger: flows.TriggerInfo{Type: "manual"}}
	if len(v) > 0 && !bytes.Equal(v, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if v[0] != '{' {
			problems = append(problems, flows.Problem{Pointer: "/context", Message: "context must be an object like a run context: flow, run, trigger, event, data, steps"})
		} else if err := dec.Decode(&rc); err != nil {
			problems = append(problems, flows.Problem{Pointer: "/context", Message: "context is not a run context: " + err.Error()})
		}
	}
	ctx, err := rc.Bytes()
	if err != nil {
		problems = append(problems, flows.Problem{Pointer: "/context", Message: err.Error()})
	}
	return ctx, problems
}

// inlineSecrets replaces "secret" in config's auth block, if any, by a
// fresh synthetic credential ref (connectors.NewInlineSecretRef) and returns
// the rewritten config with the secret under that ref. raw is config as
// sent, returned unchanged when there is nothing to rewrite.
func inlineSecrets(raw json.RawMessage, config map[string]json.RawMessage) (json.RawMessage, map[string]string, []flows.Problem) {
	var auth map[string]json.RawMessage
	if err := json.Unmarshal(config["auth"], &auth); err != nil || auth == nil {
		return raw, nil, nil
	}
	v, ok := auth["secret"]
	if !ok {
		return raw, nil, nil
	}
	var secret string
	if err := json.Unmarshal(v, &secret); err != nil || secret == "" {
		return raw, nil, []flows.Problem{{Pointer: "/config/auth/secret", Message: "secret must be a non-empty string"}}
	}
	if _, both := auth["credential"]; both {
		return raw, nil, []flows.Problem{{Pointer: "/config/auth/secret", Message: "give either secret or credential, not both"}}
	}
	ref := connectors.NewInlineSecretRef()
	delete(auth, "secret")
	auth["credential"], _ = json.Marshal(ref)
	config["auth"], _ = json.Marshal(auth)
	out, err := json.Marshal(config)
	if err != nil {
		return raw, nil, []flows.Problem{{Pointer: "/config", Message: err.Error()}}
	}
	return out, map[string]string{ref: secret}, nil
}

// validateTestAction checks the type and config against the connector's
// schema. Problems about the synthetic credential are reported where the
// caller wrote the secret.
func (s *server) validateTestAction(a *testCall) []flows.Problem {
	problems, err := s.validator.ValidateStep(a.typ, a.config)
	if err != nil {
		return []flows.Problem{{Pointer: "/config", Message: err.Error()}}
	}
	if len(a.secrets) > 0 {
		for i, p := range problems {
			if p.Pointer == "/config/auth/credential" {
				problems[i].Pointer = "/config/auth/secret"
			}
		}
	}
	return problems
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
