package api

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/flowline/flowline/internal/store"
)

// eachDatabase runs fn as one subtest per flow store database: a fresh
// SQLite file and a fresh PostgreSQL schema (FLOWLINE_TEST_POSTGRES_URL,
// default postgres://postgres@127.0.0.1:5432/test). An unreachable
// PostgreSQL fails the test: a skipped backend would hide half of it.
func eachDatabase(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, "sqlite://"+filepath.Join(t.TempDir(), "flows.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, postgresSchemaURL(t))
	})
}

// postgresSchemaURL creates a schema for the calling test, dropped when it
// ends, and returns a URL whose search_path points at it.
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("FLOWLINE_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("FLOWLINE_TEST_POSTGRES_URL is not a URL: %v", err)
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: gormlogger.Discard, DisableAutomaticPing: true})
	if err != nil {
		t.Fatalf("PostgreSQL not reachable at %s: %v", u.Redacted(), err)
	}
	sqlDB, err := admin.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schema := "flowline_api_test_" + store.NewID()
	if err := admin.WithContext(ctx).Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("PostgreSQL not reachable at %s (set FLOWLINE_TEST_POSTGRES_URL): creating a schema: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
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
