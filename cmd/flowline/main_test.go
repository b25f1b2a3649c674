package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateSubcommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"name": "ok", "trigger": {"type": "manual"},
		"steps": [{"id": "a", "type": "http", "config": {"method": "GET", "url": "https://example.com/"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"name": "bad", "trigger": {"type": "manual"}, "extra": 1,
		"steps": [{"id": "a", "type": "http", "config": {"method": "GET", "url": "https://example.com/{{ steps.b.body }}"}},
		          {"id": "b", "type": "nope", "config": {}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", good}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "good.json: valid") {
		t.Fatalf("good: exit %d, %s %s", code, out.String(), errOut.String())
	}
	// A warning is shown, but the document is valid.
	warned := filepath.Join(dir, "warned.json")
	if err := os.WriteFile(warned, []byte(`{"name": "w", "trigger": {"type": "manual"},
		"steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com/?q={{ q | urlqery }}"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"validate", warned}, &out, &errOut); code != 0 || !strings.Contains(out.String(), `warned.json: /steps/0/config/url: warning: unknown template modifier "urlqery"`) {
		t.Fatalf("warned: exit %d, %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	code := run([]string{"validate", good, bad}, &out, &errOut)
	if code != 1 {
		t.Fatalf("bad: exit %d, want 1", code)
	}
	for _, want := range []string{"bad.json: /extra:", "bad.json: /steps/0/config/url:", "bad.json: /steps/1/type:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
}

// TestHelpListsCommands: `flowline --help` (and -h, help) prints the
// command list, not the flags of serve.
func TestHelpListsCommands(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help", "help"} {
		var out, errOut bytes.Buffer
		if code := run([]string{arg}, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d, stderr %s", arg, code, errOut.String())
		}
		for _, want := range []string{"usage: flowline <command>", "serve ", "worker ", "api ", "validate FILE", "version"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: output lacks %q:\n%s", arg, want, out.String())
			}
		}
		if strings.Contains(out.String()+errOut.String(), "Usage of serve") {
			t.Errorf("%s: printed serve's flags:\n%s%s", arg, out.String(), errOut.String())
		}
	}
}
