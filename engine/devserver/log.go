package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// logAdapter sends the Temporal server's logs to slog, dropping those below
// the configured level so that the server is quiet unless asked.
type logAdapter struct {
	log   *slog.Logger
	level *slog.LevelVar
}

func newLogAdapter(l *slog.Logger, level *slog.LevelVar) *logAdapter {
	return &logAdapter{log: l.With("component", "temporal"), level: level}
}

var _ log.Logger = (*logAdapter)(nil)

func (a *logAdapter) emit(level slog.Level, msg string, tags []tag.Tag) {
	if level < a.level.Level() || !a.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]any, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), fmt.Sprint(t.Value())))
	}
	a.log.Log(context.Background(), level, msg, attrs...)
}

func (a *logAdapter) Debug(msg string, tags ...tag.Tag) { a.emit(slog.LevelDebug, msg, tags) }
func (a *logAdapter) Info(msg string, tags ...tag.Tag)  { a.emit(slog.LevelInfo, msg, tags) }
func (a *logAdapter) Warn(msg string, tags ...tag.Tag)  { a.emit(slog.LevelWarn, msg, tags) }
func (a *logAdapter) Error(msg string, tags ...tag.Tag) { a.emit(slog.LevelError, msg, tags) }
func (a *logAdapter) DPanic(msg string, tags ...tag.Tag) {
	a.emit(slog.LevelError, msg, tags)
}
func (a *logAdapter) Panic(msg string, tags ...tag.Tag) {
	a.emit(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal ends the process, as the Temporal server asks. The message goes to
// stderr as well as to the logger: a test's logger buffers what it is
// given, and the exit would lose it.
func (a *logAdapter) Fatal(msg string, tags ...tag.Tag) {
	a.emit(slog.LevelError, msg, tags)
	fmt.Fprintf(os.Stderr, "embedded temporal server: fatal: %s%s\n", msg, formatTags(tags))
	os.Exit(1)
}

// formatTags renders tags as " key=value" pairs.
func formatTags(tags []tag.Tag) string {
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	return b.String()
}
