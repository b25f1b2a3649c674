package store

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkClaimFinish measures what a batch costs the ledger per group of
// runs on SQLite: recording three accepted runs is set up outside the
// timer; claiming them and recording their outcomes (the batch workflow's
// two ledger local activities) is what is measured.
func BenchmarkClaimFinish(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "flowline.db"))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer s.Close()
	steps := JSON(`[{"step_id":"post","status":"succeeded","attempts":[{"attempt":1,"started_at":"2026-12-02T10:00:00Z","status_code":200,"duration_ms":3}]}]`)
	closed := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	const group = 3
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ids := make([]string, group)
		for j := range ids {
			ids[j] = fmt.Sprintf("run-%d-%d", i, j)
			rec := &RunRecord{RunID: ids[j], FlowID: "f1", FlowVersion: 1, Trigger: JSON(`{"type":"event"}`), StartedAt: closed}
			if _, _, err := s.AcceptRun(ctx, rec); err != nil {
				b.Fatalf("AcceptRun: %v", err)
			}
		}
		token := fmt.Sprintf("orig/%d", i)
		b.StartTimer()
		before := cpuTime(b)
		claimed, err := s.ClaimRuns(ctx, ids, token, "batch-f1", "trun")
		if err != nil || len(claimed) != group {
			b.Fatalf("ClaimRuns = %v, %v", claimed, err)
		}
		done := make([]RunFinish, group)
		for j, id := range ids {
			done[j] = RunFinish{RunID: id, ClaimToken: token, Status: RunSucceeded, Steps: steps, ClosedAt: &closed}
		}
		if err := s.FinishRuns(ctx, done); err != nil {
			b.Fatalf("FinishRuns: %v", err)
		}
		cpu += cpuTime(b) - before
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
