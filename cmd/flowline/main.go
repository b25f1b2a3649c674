// Command flowline runs durable integration flows: `flowline serve` starts
// the REST API, a worker and (by default) an embedded Temporal server and UI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/app"
	"github.com/flowline/flowline/internal/config"
)

const usage = `usage: flowline <command> [flags]

commands:
  serve           REST API, worker and embedded Temporal server and UI (default)
  worker          worker only
  api             REST API only
  migrate         bring the flow store's schema up to date, then exit
  validate FILE…  validate flow documents offline (exit 1 on problems)
  event-types import FILE | export
                  declare the event catalog from a JSON or YAML file, or write it out
  version         print the version

Run 'flowline serve -h' for the flags; each has an environment variable.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	switch {
	case len(args) > 0 && isHelp(args[0]):
		// `flowline --help` asks about flowline, not about serve's flags.
		cmd, args = "help", args[1:]
	case len(args) > 0 && args[0] != "" && args[0][0] != '-':
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve", "worker", "api":
		return serve(app.Mode(cmd), args, stderr)
	case "migrate":
		return migrate(args, stdout, stderr)
	case "validate":
		return validate(args, stdout, stderr)
	case "event-types":
		return eventTypes(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "flowline", app.Version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "flowline: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// isHelp reports whether arg asks for the command list.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

func serve(mode app.Mode, args []string, stderr io.Writer) int {
	cfg, err := config.FromOS(string(mode), args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "flowline:", err)
		return 2
	}
	serverGC(os.Getenv)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Start(ctx, cfg, mode, logger)
	if err != nil {
		// One plain line naming what to fix, not a log record to decode.
		fmt.Fprintln(stderr, "flowline: cannot start:", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-a.Served():
		logger.Error("API server stopped", "error", err)
		code = 1
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "error", err)
		code = 1
	}
	return code
}

func migrate(args []string, stdout, stderr io.Writer) int {
	cfg, err := config.FromOS("migrate", args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "flowline:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Migrate(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, "flowline:", err)
		return 1
	}
	fmt.Fprintln(stdout, "flowline: flow store is up to date")
	return 0
}

func validate(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "flowline validate: name at least one flow document")
		return 2
	}
	reg, closeConns := app.BuiltinConnectors(httpconn.Options{Version: app.Version})
	defer closeConns()
	v, err := flows.NewValidator(reg.Schemas())
	if err != nil {
		fmt.Fprintln(stderr, "flowline validate:", err)
		return 2
	}
	code := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(stderr, "flowline validate:", err)
			code = 1
			continue
		}
		doc, problems, err := v.Validate(raw)
		switch {
		case err != nil:
			fmt.Fprintf(stdout, "%s: %v\n", f, err)
			code = 1
		case len(problems) > 0:
			for _, p := range problems {
				ptr := p.Pointer
				if ptr == "" {
					ptr = "/"
				}
				fmt.Fprintf(stdout, "%s: %s: %s\n", f, ptr, p.Message)
			}
			code = 1
		default:
			fmt.Fprintf(stdout, "%s: valid\n", f)
			for _, w := range flows.Warnings(doc) {
				fmt.Fprintf(stdout, "%s: %s: warning: %s\n", f, w.Pointer, w.Message)
			}
		}
	}
	return code
}
