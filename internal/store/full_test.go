package store

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

// TestCheckWriteKeepsNothing: the write probe passes on a store with room
// and leaves no row behind, on both backends.
func TestCheckWriteKeepsNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := context.Background()
		s, err := Open(ctx, databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for range 3 {
			if err := s.CheckWrite(ctx); err != nil {
				t.Fatalf("CheckWrite: %v", err)
			}
		}
		recs, err := s.ListRunRecords(ctx, RunRecordFilter{})
		if err != nil || len(recs) != 0 {
			t.Fatalf("the probe left %d rows (%v)", len(recs), err)
		}
	})
}

type pgError struct{ code string }

func (e pgError) Error() string    { return "pg error " + e.code }
func (e pgError) SQLState() string { return e.code }

func TestIsFull(t *testing.T) {
	for err, want := range map[error]bool{
		nil:                              false,
		errors.New("connection refused"): false,
		fmt.Errorf("writing: %w", syscall.ENOSPC):                                    true,
		fmt.Errorf("recording run: %w", pgError{"53100"}):                            true,
		fmt.Errorf("recording run: %w", pgError{"23505"}):                            false,
		errors.New("CreateWorkflowExecution: failed. database or disk is full (13)"): true,
	} {
		if got := IsFull(err); got != want {
			t.Errorf("IsFull(%v) = %v, want %v", err, got, want)
		}
	}
}
