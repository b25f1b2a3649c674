package httpconn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/schemas"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden.json from the current output")

// TestSchemaInvalidGolden validates each config in testdata/invalid with
// the flow validator's message layer and compares the problems with its
// golden file: one message per real problem, at the deepest pointer, never
// "not allowed" for a field the chosen variant takes, never twice. Each
// variant of every union (auth, body, multipart part and file) has a case.
func TestSchemaInvalidGolden(t *testing.T) {
	v, err := schemas.Compile("connectors/http", New(Options{}).ConfigSchema())
	if err != nil {
		t.Fatal(err)
	}
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
			problems, err := v.ValidateJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 {
				t.Fatal("no problems for an invalid config")
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
	if n < 20 {
		t.Errorf("only %d invalid cases", n)
	}
}
