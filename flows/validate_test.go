package flows_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/flows"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden.json from the current output")

// fakeHTTPSchema stands in for the HTTP connector's schema: strict about
// its fields, permissive about their content.
const fakeHTTPSchema = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "object",
	"additionalProperties": false,
	"required": ["url"],
	"properties": {
		"method": {"description": "HTTP method.", "type": "string"},
		"url": {"description": "Target URL.", "type": "string", "minLength": 1},
		"headers": {"description": "Headers.", "type": "object"},
		"query": {"description": "Query parameters.", "type": "object"},
		"auth": {"description": "Authentication.", "type": "object"},
		"body": {"description": "Body.", "type": "object"},
		"skip_nulls": {"description": "Drop nulls.", "type": "boolean"},
		"timeout": {"description": "Timeout.", "type": "string"}
	}
}`

func newValidator(t testing.TB) *flows.Validator {
	t.Helper()
	v, err := flows.NewValidator(map[string][]byte{"http": []byte(fakeHTTPSchema), "noop": []byte(`{"type": "object"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidateInvalidGolden(t *testing.T) {
	v := newValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, file := range files {
		if strings.HasSuffix(file, ".golden.json") {
			continue
		}
		n++
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, problems, err := v.Validate(raw)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if doc != nil {
				t.Errorf("Validate returned a document along with problems")
			}
			if len(problems) == 0 {
				t.Fatalf("no problems for an invalid document")
			}
			got, err := json.MarshalIndent(problems, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("problems differ from %s:\n got %s\nwant %s", golden, got, want)
			}
		})
	}
	if n < 8 {
		t.Errorf("only %d invalid cases", n)
	}
}

func TestValidateValid(t *testing.T) {
	v := newValidator(t)
	files, err := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no valid cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, problems, err := v.Validate(raw)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, p := range problems {
				t.Errorf("problem at %q: %s", p.Pointer, p.Message)
			}
			if doc == nil {
				t.Fatal("no document")
			}
			if doc.Name == "" || len(doc.Steps) == 0 || doc.Trigger.Type == "" {
				t.Errorf("document decoded incompletely: %+v", doc)
			}
		})
	}
}

func TestValidateContractExampleDecodes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "valid", "contract_example.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, problems, err := newValidator(t).Validate(raw)
	if err != nil || problems != nil {
		t.Fatalf("Validate: %v %v", problems, err)
	}
	if doc.Trigger.Events[0] != "sync.failed" {
		t.Errorf("events = %q", doc.Trigger.Events)
	}
	s := doc.Steps[0]
	if s.ID != "notify" || s.Type != "http" || s.OnError != flows.OnErrorFail {
		t.Errorf("step = %+v", s)
	}
	if s.Retry == nil || s.Retry.MaxAttempts != 5 || s.Retry.BackoffCoefficient != 2 || s.Retry.MaxInterval != "5m" {
		t.Errorf("retry = %+v", s.Retry)
	}
	if !json.Valid(s.Config) || !bytes.Contains(s.Config, []byte(`"skip_nulls": true`)) {
		t.Errorf("config = %s", s.Config)
	}
}

func TestValidateMalformed(t *testing.T) {
	v := newValidator(t)
	for _, raw := range []string{``, `{`, `{"name": "x",}`, `not json`, `{} {}`} {
		doc, problems, err := v.Validate([]byte(raw))
		if !errors.Is(err, flows.ErrMalformed) {
			t.Errorf("Validate(%q) error = %v, want ErrMalformed", raw, err)
		}
		if doc != nil || problems != nil {
			t.Errorf("Validate(%q) returned a document or problems", raw)
		}
	}
}

func TestValidateNotAnObject(t *testing.T) {
	_, problems, err := newValidator(t).Validate([]byte(`[1, 2]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Pointer != "" {
		t.Errorf("problems = %v", problems)
	}
}

func TestNewValidatorBadConnectorSchema(t *testing.T) {
	_, err := flows.NewValidator(map[string][]byte{"broken": []byte(`{"type": 5}`)})
	if err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("err = %v, want one naming the connector", err)
	}
}

func TestParseDocument(t *testing.T) {
	doc, err := flows.ParseDocument([]byte(`{"name": "n", "trigger": {"type": "manual"}, "steps": [{"id": "a", "type": "http", "config": {"k": 1}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Steps[0].ID != "a" || string(doc.Steps[0].Config) != `{"k": 1}` {
		t.Errorf("doc = %+v", doc)
	}
	if _, err := flows.ParseDocument([]byte(`{"name": "n", "nope": 1}`)); err == nil {
		t.Error("unknown field accepted")
	}
	if _, err := flows.ParseDocument([]byte(`{"name": `)); !errors.Is(err, flows.ErrMalformed) {
		t.Errorf("truncated JSON: err = %v, want ErrMalformed", err)
	}
	if _, err := flows.ParseDocument([]byte(`{} []`)); !errors.Is(err, flows.ErrMalformed) {
		t.Errorf("trailing data: err = %v, want ErrMalformed", err)
	}
}
