package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/flowline/flowline/engine"
)

// BenchmarkLedgerAccept records one accepted run per iteration in a SQLite
// store: the flow store's share of every batched run, one transaction
// each. The store sets synchronous=NORMAL (see sqlitePragmas); SQLite's
// default, FULL, which fsyncs the log at every commit, is measured beside
// it.
func BenchmarkLedgerAccept(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			ctx := context.Background()
			pragma := ""
			if mode == "FULL" {
				pragma = "synchronous(2)"
			}
			s := benchStore(b, pragma)
			f, err := s.CreateFlow(ctx, "bench", []byte(`{}`))
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := s.Publish(ctx, f.ID, []byte(`{}`)); err != nil {
				b.Fatal(err)
			}
			trigger := engine.TriggerInput{Data: []byte(`{"n":1}`)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, _, err := s.Ledger().Accept(ctx, engine.LedgerEntry{RunID: fmt.Sprintf("run_%d", i), FlowID: f.ID,
					FlowVersion: 1, Trigger: trigger}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLedgerIntake measures one intake transaction as the run
// service makes it at saturation: four event runs and their event keys.
// The store keeps statement journals in memory (temp_store, see
// sqlitePragmas); SQLite's default, a temporary file, is measured beside it.
func BenchmarkLedgerIntake(b *testing.B) {
	for _, mode := range []string{"MEMORY", "FILE"} {
		b.Run("temp_store="+mode, func(b *testing.B) {
			ctx := context.Background()
			pragma := ""
			if mode == "FILE" {
				pragma = "temp_store(1)"
			}
			l := benchStore(b, pragma).Ledger()
			trigger := engine.TriggerInput{Data: []byte(`{"n":1}`)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				intakes := make([]engine.Intake, 4)
				for j := range intakes {
					id := fmt.Sprintf("run_%d_%d", i, j)
					intakes[j] = engine.Intake{Entries: []engine.LedgerEntry{{RunID: id, FlowID: "f", FlowVersion: 1, Trigger: trigger}},
						Key: &engine.RequestKey{Key: "key_" + id, RequestHash: "h"}}
				}
				if _, err := l.AcceptIntakes(ctx, intakes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchStore opens a SQLite store in a fresh directory, closed when the
// benchmark ends; pragma, when set, is applied after the store's own
// pragmas, so it wins.
func benchStore(b *testing.B, pragma string) *Store {
	b.Helper()
	url := "sqlite://" + filepath.Join(b.TempDir(), "flowline.db")
	if pragma != "" {
		url += "?_pragma=" + pragma
	}
	s, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
