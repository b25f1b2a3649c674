// Package storetest gives tests a database of their own for each flow store
// backend: a fresh SQLite file and a fresh PostgreSQL schema.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DefaultPostgresURL is where tests look for PostgreSQL unless
// FLOWLINE_TEST_POSTGRES_URL says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EachBackend runs fn as one subtest per database: a fresh SQLite file
// (in a sub-directory the store must create) and a fresh PostgreSQL
// schema. fn receives the database URL to open.
func EachBackend(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLiteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, PostgresURL(t))
	})
}

// SQLiteURL names a database file in a sub-directory of a fresh temporary
// directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "sub", "flowline.db")
}

// PostgresURL creates a schema of its own for the calling test and returns
// a URL whose search_path points at it; the schema is dropped when the
// test ends. An unreachable server fails the test: a skipped backend would
// hide half the coverage.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("FLOWLINE_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
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
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	schema := "flowline_test_" + hex.EncodeToString(suffix[:])
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
