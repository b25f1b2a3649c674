package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowline/flowline/internal/catalogfile"
	"github.com/flowline/flowline/internal/config"
)

const eventTypesUsage = `usage:
  flowline event-types import FILE [flags]   declare the event types of a JSON or YAML catalog file
  flowline event-types export [--format json|yaml] [flags] > FILE

Both use the flow store named by --database-url / --data-dir (and their
environment variables), like serve.
`

// eventTypes runs `flowline event-types import|export`.
func eventTypes(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, eventTypesUsage)
		return 2
	}
	action, args := args[0], args[1:]
	switch action {
	case "import":
		return importEventTypes(args, stdout, stderr)
	case "export":
		return exportEventTypes(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, eventTypesUsage)
		return 0
	}
	fmt.Fprintf(stderr, "flowline event-types: unknown action %q\n\n%s", action, eventTypesUsage)
	return 2
}

func importEventTypes(args []string, stdout, stderr io.Writer) int {
	cfg, files, err := config.ParseArgs("event-types import", args, os.Getenv)
	if code, done := flagsFailed(err, stderr); done {
		return code
	}
	if len(files) != 1 {
		fmt.Fprint(stderr, "flowline event-types import: name one catalog file\n\n"+eventTypesUsage)
		return 2
	}
	changes, problems, err := catalogfile.Import(context.Background(), cfg.DatabaseURL, files[0])
	if err != nil {
		fmt.Fprintln(stderr, "flowline event-types import:", err)
		return 1
	}
	for _, p := range problems {
		ptr := p.Pointer
		if ptr == "" {
			ptr = "/"
		}
		fmt.Fprintf(stdout, "%s: %s: %s\n", files[0], ptr, p.Message)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%s: nothing imported\n", files[0])
		return 1
	}
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Change]++
		fmt.Fprintf(stdout, "%-9s %s\n", c.Change, c.Name)
	}
	fmt.Fprintf(stdout, "%d created, %d updated, %d unchanged\n", counts["created"], counts["updated"], counts["unchanged"])
	return 0
}

func exportEventTypes(args []string, stdout, stderr io.Writer) int {
	format, rest, err := formatFlag(args)
	if err != nil {
		fmt.Fprintln(stderr, "flowline event-types export:", err)
		return 2
	}
	cfg, extra, err := config.ParseArgs("event-types export", rest, os.Getenv)
	if code, done := flagsFailed(err, stderr); done {
		return code
	}
	if len(extra) > 0 {
		fmt.Fprintf(stderr, "flowline event-types export: unexpected argument %q\n", extra[0])
		return 2
	}
	out, err := catalogfile.Export(context.Background(), cfg.DatabaseURL, format)
	if err != nil {
		fmt.Fprintln(stderr, "flowline event-types export:", err)
		return 1
	}
	_, _ = stdout.Write(out)
	return 0
}

// formatFlag takes --format json|yaml out of args (JSON when absent) and
// leaves the rest to the configuration's flags.
func formatFlag(args []string) (catalogfile.Format, []string, error) {
	format := "json"
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || name != "format" {
			rest = append(rest, args[i])
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return "", nil, errors.New("--format needs a value: json or yaml")
			}
			i++
			value = args[i]
		}
		format = value
	}
	switch format {
	case "json":
		return catalogfile.JSON, rest, nil
	case "yaml", "yml":
		return catalogfile.YAML, rest, nil
	}
	return "", nil, fmt.Errorf("format %q: want json or yaml", format)
}

// flagsFailed reports a configuration error: done is true when the caller
// must return code.
func flagsFailed(err error, stderr io.Writer) (code int, done bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		return 0, true
	}
	fmt.Fprintln(stderr, "flowline:", err)
	return 2, true
}
