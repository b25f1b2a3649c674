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
			url := "sqlite://" + filepath.Join(b.TempDir(), "flowline.db")
			if mode == "FULL" {
				url += "?_pragma=synchronous(2)" // after the store's own pragmas, so it wins
			}
			s, err := Open(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
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
