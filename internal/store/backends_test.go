package store

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// defaultPostgresURL is where the tests look for PostgreSQL unless
// FLOWLINE_TEST_POSTGRES_URL says otherwise.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// eachBackend runs fn as one subtest per database: a fresh SQLite file and a
// fresh PostgreSQL schema. fn receives the database URL to Open.
func eachBackend(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, sqliteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, postgresURL(t))
	})
}

// sqliteURL names a database file in a fresh temporary directory; the
// sub-directory checks that Open creates it.
func sqliteURL(t *testing.T) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "sub", "flowline.db")
}

// postgresURL creates a schema of its own for the calling test and returns a
// URL whose search_path points at it. The schema is dropped when the test
// ends. An unreachable server fails the test: a skipped backend would hide
// half the coverage.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("FLOWLINE_TEST_POSTGRES_URL")
	if base == "" {
		base = defaultPostgresURL
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("FLOWLINE_TEST_POSTGRES_URL is not a URL: %v", err)
	}
	unreachable := func(err error) {
		t.Helper()
		t.Fatalf("PostgreSQL not reachable at %s: set FLOWLINE_TEST_POSTGRES_URL to a reachable database (e.g. postgres://user@host:5432/db?sslmode=disable): %v", u.Redacted(), err)
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard, DisableAutomaticPing: true})
	if err != nil {
		unreachable(err)
	}
	sqlDB, err := admin.DB()
	if err != nil {
		unreachable(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		unreachable(err)
	}
	schema := "flowline_test_" + NewID()
	if err := admin.WithContext(ctx).Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = sqlDB.Close()
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		defer func() { _ = sqlDB.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := admin.WithContext(ctx).Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

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
