package store

import (
	"context"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/store/storetest"
)

// eachBackend runs fn as one subtest per database (storetest.EachBackend).
func eachBackend(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	storetest.EachBackend(t, fn)
}

// sqliteURL and postgresURL name a fresh database of each backend.
var (
	sqliteURL   = storetest.SQLiteURL
	postgresURL = storetest.PostgresURL
)

// openStore opens databaseURL and closes the store when the test ends.
func openStore(t *testing.T, databaseURL string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// testContext is a context that ends with the test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
