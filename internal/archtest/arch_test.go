package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/flowline/flowline/"

// allowed lists, per package, the module packages it may import directly.
var allowed = map[string][]string{
	"schemas":                          {},
	"flows":                            {"schemas"},
	"connectors":                       {},
	"connectors/http":                  {"connectors"},
	"engine":                           {"flows", "connectors"},
	"engine/batch":                     {"flows", "connectors", "engine"},
	"engine/devserver":                 {"internal/freeport"},
	"engine/enginetest":                {"connectors"},
	"internal/store":                   {"flows", "engine"},
	"internal/catalogfile":             {"flows", "internal/store"},
	"internal/secrets":                 {"internal/store", "connectors"},
	"internal/config":                  {},
	"internal/blob":                    {},
	"internal/freeport":                {},
	"internal/oauth2tokens":            {"connectors", "connectors/http", "internal/secrets", "internal/store"},
	"internal/oauth2tokens/oauth2test": {},
	"internal/store/storetest":         {},
	"api": {"flows", "schemas", "connectors", "engine", "internal/store", "internal/secrets",
		"internal/oauth2tokens", "internal/blob", "ui"},
	"internal/app": {"api", "flows", "schemas", "connectors", "connectors/http", "engine", "engine/batch", "engine/devserver",
		"internal/store", "internal/secrets", "internal/config", "internal/oauth2tokens", "internal/blob"},
	"cmd/flowline":       {"internal/app", "internal/config", "internal/catalogfile", "flows", "connectors", "connectors/http"},
	"cmd/flowline-bench": {"internal/freeport", "engine/devserver"}, // the bare-Temporal baseline runs the embedded server
	// The production-shape test drives processes over HTTP and gRPC only.
	"cmd/flowline-topology": {"internal/freeport"},
	"ui":                    {},
}

// TestImportLines fails when a package imports a module package its layer
// may not (test files are not counted).
func TestImportLines(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok || pkg == "internal/archtest" {
			continue
		}
		rules, known := allowed[pkg]
		if !known {
			t.Errorf("package %s has no import rule: add it to allowed", pkg)
			continue
		}
		seen++
		for _, imp := range fields[1:] {
			dep, internal := strings.CutPrefix(imp, module)
			if !internal {
				continue
			}
			if !contains(rules, dep) {
				t.Errorf("%s imports %s, which its layer may not", pkg, dep)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("checked only %d packages; is go list answering for the module?", seen)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
