package store

import (
	"context"
	"strings"
	"testing"
)

// TestPostgresPoolSize caps a process's PostgreSQL connections: 10 unless
// the URL's pool_max_conns says otherwise, which pgx never sees.
func TestPostgresPoolSize(t *testing.T) {
	base := postgresURL(t)
	sep := "&"
	if !strings.Contains(base, "?") {
		sep = "?"
	}
	for url, want := range map[string]int{base: defaultPostgresConns, base + sep + "pool_max_conns=3": 3} {
		s := openStore(t, url)
		sqlDB, err := s.db.DB()
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlDB.Stats().MaxOpenConnections; got != want {
			t.Errorf("max open connections = %d, want %d", got, want)
		}
	}
	_, err := Open(context.Background(), "postgres://u:hunter2@127.0.0.1:5432/x?pool_max_conns=many")
	if err == nil || !strings.Contains(err.Error(), "pool_max_conns") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad pool_max_conns: %v", err)
	}
}
