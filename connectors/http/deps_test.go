package httpconn

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsStayInBounds holds the package to its allowed imports: the
// connectors contract, the standard library and golang.org/x/oauth2.
func TestImportsStayInBounds(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(p, "/")
			switch {
			case !strings.Contains(first, "."): // standard library
			case p == "github.com/flowline/flowline/connectors":
			case p == "golang.org/x/oauth2" || strings.HasPrefix(p, "golang.org/x/oauth2/"):
			default:
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
