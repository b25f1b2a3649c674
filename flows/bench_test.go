package flows_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowline/flowline/flows"
)

func BenchmarkRender(b *testing.B) {
	config := json.RawMessage(`{
		"method": "POST",
		"url": "https://api.example.com/items/{{ steps.create.body.id }}",
		"headers": {"X-Source": "flowline", "X-Run": "{{ run_id }}"},
		"query": {"flow": "{{ flow_name }}"},
		"auth": {"type": "bearer", "credential": "token"},
		"body": {"type": "json", "json": {"text": "{{ flow_name }}: {{ data.message }}", "count": "{{ data.count }}", "user": "{{ data.user }}", "static": [1, 2, 3]}},
		"timeout": "15s"
	}`)
	ctx := []byte(runContext)
	b.ReportAllocs()
	b.SetBytes(int64(len(config)))
	for b.Loop() {
		if _, err := flows.Render(config, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderNoTemplates(b *testing.B) {
	config := json.RawMessage(`{"method": "GET", "url": "https://api.example.com/items", "headers": {"X-Source": "flowline"}, "timeout": "15s"}`)
	ctx := []byte(runContext)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flows.Render(config, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "valid", "contract_example.json"))
	if err != nil {
		b.Fatal(err)
	}
	v := newValidator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, problems, err := v.Validate(raw); err != nil || problems != nil {
			b.Fatal(problems, err)
		}
	}
}

func BenchmarkValidateInvalid(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "invalid", "several_problems.json"))
	if err != nil {
		b.Fatal(err)
	}
	v := newValidator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, problems, err := v.Validate(raw); err != nil || problems == nil {
			b.Fatal(problems, err)
		}
	}
}
