package catalogfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/internal/store"
)

func TestDecodeYAMLKeepsOrderAndTypes(t *testing.T) {
	data, err := os.ReadFile("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	types, problems, err := Decode(data, YAML)
	if err != nil || problems != nil || len(types) != 2 {
		t.Fatalf("Decode = %+v %+v %v", types, problems, err)
	}
	host := types[0]
	if host.Category != "alarm" || len(host.Messages) != 2 || host.Messages[0].Language != "zh-CN" || !strings.HasPrefix(host.Messages[0].Template, "主机") {
		t.Fatalf("host type %+v: YAML key order lost", host)
	}
	if string(types[1].Example) != `{"order":{"id":7,"total":12.5,"paid":true,"note":null}}` || types[1].Category != "event" {
		t.Fatalf("example %s", types[1].Example)
	}
}

func TestDecodeProblems(t *testing.T) {
	for name, tc := range map[string]struct {
		data     string
		format   Format
		pointers []string
	}{
		"bad type and duplicate": {`{"event_types": [{"name": "a.b"}, {"name": "a.b"}, {"name": "c", "category": "x"},
			{"name": "d", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}, "example": {"n": "x"}}]}`, JSON,
			[]string{"/event_types/1/name", "/event_types/2/category", "/event_types/3/example/n"}},
		"yaml language tag": {"event_types:\n  - name: a.b\n    messages: {english: hi}\n", YAML, []string{"/event_types/0/messages/english"}},
		"wrong shape":       {`[{"name": "a.b"}]`, JSON, []string{""}},
		"unknown key":       {`{"types": []}`, JSON, []string{""}},
		"no list":           {`{}`, JSON, []string{"/event_types"}},
	} {
		t.Run(name, func(t *testing.T) {
			types, problems, err := Decode([]byte(tc.data), tc.format)
			if err != nil || types != nil || len(problems) != len(tc.pointers) {
				t.Fatalf("Decode = %+v %+v %v", types, problems, err)
			}
			for i, p := range tc.pointers {
				if problems[i].Pointer != p {
					t.Errorf("problem %d = %+v, want at %q", i, problems[i], p)
				}
			}
		})
	}
	for _, bad := range []struct {
		data   string
		format Format
	}{{`{"event_types": [`, JSON}, {"event_types: [a\n  b: c", YAML}, {"a: .inf", YAML}} {
		if _, _, err := Decode([]byte(bad.data), bad.format); err == nil {
			t.Errorf("%q: no error", bad.data)
		}
	}
	// Aliases cannot blow a small file up.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		bomb += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	if _, _, err := Decode([]byte(bomb), YAML); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("alias bomb: %v", err)
	}
}

func TestImportIsIdempotentAndExportRoundTrips(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "flowline.db")
	changes, problems, err := Import(ctx, dbURL, "testdata/catalog.yaml")
	if err != nil || problems != nil || len(changes) != 2 || changes[0].Change != store.ImportCreated || changes[1].Change != store.ImportCreated {
		t.Fatalf("first import %+v %+v %v", changes, problems, err)
	}
	changes, _, err = Import(ctx, dbURL, "testdata/catalog.yaml")
	if err != nil || changes[0].Change != store.ImportUnchanged || changes[1].Change != store.ImportUnchanged {
		t.Fatalf("second import %+v %v", changes, err)
	}

	for _, format := range []Format{JSON, YAML} {
		out, err := Export(ctx, dbURL, format)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "exported."+string(format))
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		if format == YAML && (!strings.Contains(string(out), "zh-CN: 主机") || strings.Index(string(out), "zh-CN") > strings.Index(string(out), "en: Host")) {
			t.Errorf("YAML export lost the message order:\n%s", out)
		}
		changes, problems, err := Import(ctx, dbURL, path)
		if err != nil || problems != nil || len(changes) != 2 || changes[0].Change != store.ImportUnchanged || changes[1].Change != store.ImportUnchanged {
			t.Fatalf("%s export does not import as unchanged: %+v %+v %v\n%s", format, changes, problems, err, out)
		}
	}

	// A file with a problem changes nothing.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"event_types": [{"name": "new.one"}, {"name": "host.connection_lost", "category": "nope"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	changes, problems, err = Import(ctx, dbURL, bad)
	if err != nil || changes != nil || len(problems) != 1 || problems[0].Pointer != "/event_types/1/category" {
		t.Fatalf("bad import %+v %+v %v", changes, problems, err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if all, _ := st.ListEventTypes(ctx, ""); len(all) != 2 {
		t.Fatalf("a refused file changed the catalog: %d types", len(all))
	}
}
