package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestMigrateSubcommand migrates an empty flow store and exits: the tables
// exist afterwards, and a second run finds nothing to do.
func TestMigrateSubcommand(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "store", "flowline.db")
	for i := range 2 {
		var out, errOut bytes.Buffer
		code := run([]string{"migrate", "--data-dir", dir, "--database-url", "sqlite://" + filepath.ToSlash(dbFile)}, &out, &errOut)
		if code != 0 || !strings.Contains(out.String(), "up to date") {
			t.Fatalf("run %d: exit %d, stdout %q, stderr %q", i+1, code, out.String(), errOut.String())
		}
	}
	db, err := sql.Open("sqlite", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	sort.Strings(tables)
	if got := strings.Join(tables, ","); got != "catalog_revision,credentials,event_keys,event_types,flow_versions,flows,run_records" {
		t.Errorf("tables after migrate: %s", got)
	}

	var out, errOut bytes.Buffer
	if code := run([]string{"migrate", "--database-url", "mysql://root:hunter2@db/x"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "migrating flow store") || strings.Contains(errOut.String(), "hunter2") {
		t.Errorf("bad URL: exit %d, stderr %q", code, errOut.String())
	}
}
