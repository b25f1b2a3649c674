package api

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestReadmeRESTTableListsEveryRoute: every route under /api/v1 has a row
// in README.md's REST API table (the one headed "| call | does |"), so
// that an endpoint cannot ship undocumented there.
func TestReadmeRESTTableListsEveryRoute(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := readmeCalls(t, string(readme))
	engine, ok := newEnv(t, nil).h.(*gin.Engine)
	if !ok {
		t.Fatal("the API handler is not a gin engine")
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	routes := 0
	for _, r := range engine.Routes() {
		path, ok := strings.CutPrefix(r.Path, BasePath)
		if !ok {
			continue
		}
		routes++
		call := r.Method + " " + param.ReplaceAllString(path, "{$1}")
		if !documented[call] {
			t.Errorf("README.md's REST API table has no row for %s", call)
		}
	}
	if routes < 30 {
		t.Fatalf("only %d routes under %s", routes, BasePath)
	}
}

// readmeCalls reads the REST API table's first column into "METHOD /path"
// calls: `GET /a`, `GET /a[/{id}]` (both), `POST /a/b`, `/c` (POST /a/c as
// well), `GET`, `PUT /a` (both methods); a query string is left out.
func readmeCalls(t *testing.T, readme string) map[string]bool {
	t.Helper()
	_, table, ok := strings.Cut(readme, "\n| call | does |\n")
	if !ok {
		t.Fatal(`README.md has no table headed "| call | does |"`)
	}
	table, _, _ = strings.Cut(table, "\n\n")
	span := regexp.MustCompile("`([^`]*)`")
	optional := regexp.MustCompile(`\[(/[^\]]*)\]`)
	calls := map[string]bool{}
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 3 {
			continue
		}
		var methods, prevMethods []string
		last := ""
		for _, m := range span.FindAllStringSubmatch(cells[1], -1) {
			text := m[1]
			var path string
			switch method, rest, found := strings.Cut(text, " "); {
			case found && method == strings.ToUpper(method) && strings.HasPrefix(rest, "/"):
				methods, path = append(methods, method), rest
			case !found && text == strings.ToUpper(text) && !strings.HasPrefix(text, "/"):
				methods = append(methods, text)
				continue
			case strings.HasPrefix(text, "/") && last != "":
				methods, path = prevMethods, last[:strings.LastIndex(last, "/")]+text
			default:
				continue
			}
			path, _, _ = strings.Cut(path, "[?")
			path, _, _ = strings.Cut(path, "?")
			for _, p := range []string{optional.ReplaceAllString(path, ""), optional.ReplaceAllString(path, "$1")} {
				for _, method := range methods {
					calls[method+" "+p] = true
				}
			}
			last, prevMethods, methods = path, methods, nil
		}
	}
	return calls
}
