package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEventTypesImportExport(t *testing.T) {
	dir := t.TempDir()
	catalog := filepath.Join(dir, "catalog.yaml")
	if err := os.WriteFile(catalog, []byte(`event_types:
  - name: host.connection_lost
    category: alarm
    schema: {type: object, properties: {host: {type: string}}}
    messages: {zh-CN: "主机 {{ data.host }}", en: "Host {{ data.host }}"}
  - name: order.created
`), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	var out, errOut bytes.Buffer
	if code := run([]string{"event-types", "import", "--data-dir", dataDir, catalog}, &out, &errOut); code != 0 {
		t.Fatalf("import: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "created   host.connection_lost") || !strings.Contains(out.String(), "2 created, 0 updated, 0 unchanged") {
		t.Fatalf("import report:\n%s", out.String())
	}
	out.Reset()
	// Flags may follow the file; a second import changes nothing.
	if code := run([]string{"event-types", "import", catalog, "--data-dir", dataDir}, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "0 created, 0 updated, 2 unchanged") {
		t.Fatalf("second import: exit %d:\n%s%s", code, out.String(), errOut.String())
	}

	out.Reset()
	if code := run([]string{"event-types", "export", "--format", "yaml", "--data-dir", dataDir}, &out, &errOut); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "event_types:\n") || !strings.Contains(out.String(), "zh-CN: 主机") {
		t.Fatalf("YAML export:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"event-types", "export", "--data-dir=" + dataDir}, &out, &errOut); code != 0 ||
		!strings.HasPrefix(out.String(), `{`) || !strings.Contains(out.String(), `"name": "order.created"`) {
		t.Fatalf("JSON export: exit %d:\n%s", code, out.String())
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"event_types": [{"name": "x.y", "messages": {"english": "hi"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"event-types", "import", "--data-dir", dataDir, bad}, &out, &errOut); code != 1 ||
		!strings.Contains(out.String(), "bad.json: /event_types/0/messages/english:") || !strings.Contains(out.String(), "nothing imported") {
		t.Fatalf("bad import: exit %d:\n%s", code, out.String())
	}
	errOut.Reset()
	if code := run([]string{"event-types", "import", "--data-dir", dataDir}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "name one catalog file") {
		t.Fatalf("import without a file: exit %d: %s", code, errOut.String())
	}
	if code := run([]string{"event-types", "export", "--format", "xml"}, &out, &errOut); code != 2 {
		t.Fatalf("bad format: exit %d", code)
	}
	if code := run([]string{"event-types", "frob"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown action: exit %d", code)
	}
}
