package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An attempt that hangs (a call in flight when history died) is cut at
// its bound and made again; the next attempt's answer is returned.
func TestInAttemptsRetriesAHungAttempt(t *testing.T) {
	calls := 0
	v, err := inAttempts(context.Background(), 20*time.Millisecond, func(ctx context.Context) (int, error) {
		calls++
		if calls == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 7, nil
	})
	if err != nil || v != 7 || calls != 2 {
		t.Fatalf("got %d, %v after %d calls; want 7, nil after 2", v, err, calls)
	}
}

// An error that is not the attempt's own deadline is returned at once,
// and attempts stop when the caller's context ends.
func TestInAttemptsStops(t *testing.T) {
	calls := 0
	boom := errors.New("refused")
	_, err := inAttempts(context.Background(), time.Second, func(context.Context) (int, error) {
		calls++
		return 0, boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("got %v after %d calls; want refused after 1", err, calls)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	calls = 0
	_, err = inAttempts(ctx, 10*time.Millisecond, func(ctx context.Context) (int, error) {
		calls++
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) || calls < 2 {
		t.Fatalf("got %v after %d calls; want the deadline after several", err, calls)
	}
	if ctx.Err() == nil {
		t.Fatal("returned before the caller's context ended")
	}
}
