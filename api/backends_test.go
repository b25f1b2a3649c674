package api

import (
	"testing"

	"github.com/flowline/flowline/internal/store/storetest"
)

// eachDatabase runs fn as one subtest per flow store database: a fresh
// SQLite file and a fresh PostgreSQL schema (FLOWLINE_TEST_POSTGRES_URL,
// default postgres://postgres@127.0.0.1:5432/test). An unreachable
// PostgreSQL fails the test: a skipped backend would hide half of it.
func eachDatabase(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	storetest.EachBackend(t, fn)
}
