//go:build unix

package devserver

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	psql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
)

// BenchmarkVisibilityWrites writes what a per-run workflow costs the
// visibility file, one run per iteration: its start record and its close
// record, each through Temporal's SQLite plugin, with the schema's 58
// indexes and with the indexes the embedded server keeps. cpu-us/op is
// the process's CPU time per run (the figure that matters on two shared
// cores).
func BenchmarkVisibilityWrites(b *testing.B) {
	for _, trimmed := range []bool{false, true} {
		b.Run(fmt.Sprintf("trimmed=%t", trimmed), func(b *testing.B) {
			dir := b.TempDir()
			var conf *config.SQL
			if trimmed {
				var err error
				if _, conf, err = prepareDatabase(dir, Options{Namespace: "default", SearchAttributes: map[string]enumspb.IndexedValueType{
					"FlowlineFlowId": enumspb.INDEXED_VALUE_TYPE_KEYWORD, "FlowlineRunIds": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
				}}); err != nil {
					b.Fatal(err)
				}
			} else {
				conf = sqliteConfig(filepath.Join(dir, "temporal-visibility.db"))
				if err := sqliteschema.SetupSchema(conf); err != nil {
					b.Fatal(err)
				}
			}
			db, err := psql.NewSQLDB(sqlplugin.DbKindVisibility, conf, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = db.Close() }()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			before := cpuTime()
			for i := range b.N {
				now := time.Now().UTC()
				sa := sqlplugin.VisibilitySearchAttributes{"Keyword01": "flow_abc", "KeywordList01": []string{fmt.Sprintf("run_%d", i)}}
				row := &sqlplugin.VisibilityRow{NamespaceID: "01a2377f-0e99-77df-a892-790d8cecbb16", RunID: fmt.Sprintf("%036d", i),
					WorkflowTypeName: "FlowRun", WorkflowID: fmt.Sprintf("flow-run_%d", i), StartTime: now, ExecutionTime: now,
					Encoding: "Proto3", TaskQueue: "flowline", SearchAttributes: &sa, Version: 1}
				if _, err := db.InsertIntoVisibility(ctx, row); err != nil {
					b.Fatal(err)
				}
				closed := time.Now().UTC()
				row.CloseTime, row.Status, row.Version = &closed, 2, 2
				if _, err := db.ReplaceIntoVisibility(ctx, row); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
