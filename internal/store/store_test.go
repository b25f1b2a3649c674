package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReopenKeepsData(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s, err := Open(ctx, databaseURL)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		f, err := s.CreateFlow(ctx, "Kept", []byte(`{"k":true}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}
		if _, _, err := s.Publish(ctx, f.ID, []byte(`{"v":1}`)); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if _, err := s.CreateCredential(ctx, "c", "secret", []byte("s")); err != nil {
			t.Fatalf("CreateCredential: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		// Opening again runs the migrations again, which must change nothing.
		s = openStore(t, databaseURL)
		got, err := s.GetFlow(ctx, f.ID)
		if err != nil || got.Name != "Kept" || string(got.Draft) != `{"k":true}` ||
			got.PublishedVersion == nil || *got.PublishedVersion != 1 || !got.Enabled {
			t.Fatalf("flow after reopen = %+v, %v", got, err)
		}
		if v, err := s.GetVersion(ctx, f.ID, 1); err != nil || string(v.Document) != `{"v":1}` {
			t.Fatalf("version after reopen = %+v, %v", v, err)
		}
		if c, err := s.GetCredential(ctx, "c"); err != nil || string(c.Sealed) != "s" {
			t.Fatalf("credential after reopen = %+v, %v", c, err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestOpenTwiceConcurrently(t *testing.T) {
	// Two stores on one database at once (two processes, say) both migrate
	// and both work.
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		a := openStore(t, databaseURL)
		b := openStore(t, databaseURL)
		f, err := a.CreateFlow(ctx, "A", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}
		if _, _, err := b.Publish(ctx, f.ID, []byte(`{}`)); err != nil {
			t.Fatalf("Publish through the second store: %v", err)
		}
		if v, _, err := a.Publish(ctx, f.ID, []byte(`{}`)); err != nil || v.Version != 2 {
			t.Fatalf("Publish through the first store = %+v, %v", v, err)
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	ctx := testContext(t)
	s := openStore(t, sqliteURL(t))
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL: durable against a killed process, see sqlitePragmas
		"temp_store":   "2", // MEMORY: statement journals not in temporary files
	} {
		var got string
		if err := s.db.WithContext(ctx).Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if strings.ToLower(got) != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	if s.Dialect() != "sqlite" {
		t.Errorf("Dialect = %q", s.Dialect())
	}
}

func TestOpenURLForms(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		url  string
		file string // relative to dir
	}{
		{"sqlite://" + filepath.Join(dir, "abs", "a.db"), "abs/a.db"},
		{"sqlite://rel.db", "rel.db"},
		{"sqlite://nested/rel.db", "nested/rel.db"},
		{"sqlite:opaque.db", "opaque.db"},
		{"file:" + filepath.Join(dir, "f", "file.db"), "f/file.db"},
		{"file:plain.db?_pragma=cache_size(-2000)", "plain.db"},
	} {
		s, err := Open(ctx, tc.url)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.url, err)
			continue
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close(%q): %v", tc.url, err)
		}
		if _, err := os.Stat(filepath.Join(dir, tc.file)); err != nil {
			t.Errorf("Open(%q) did not create %s: %v", tc.url, tc.file, err)
		}
	}
}

func TestOpenRejectsUnknownURLs(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{
		"mysql://root:hunter2@localhost/db",
		"data/flowline.db",
		"sqlite://",
		"sqlite://:memory:",
	} {
		s, err := Open(ctx, u)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error leaks the password: %v", u, err)
		}
	}
	_, err := Open(ctx, "mysql://root:hunter2@localhost/db")
	if err == nil || !strings.Contains(err.Error(), `"mysql"`) || !strings.Contains(err.Error(), "sqlite://") ||
		!strings.Contains(err.Error(), "postgres://") {
		t.Errorf("error for a mysql URL does not name the schemes expected: %v", err)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != 12 {
			t.Fatalf("NewID() = %q, want 12 characters", id)
		}
		if strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("NewID() = %q has characters outside lowercase base32", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestFlowJSON(t *testing.T) {
	one := 1
	f := Flow{ID: "abc", Name: "N", Draft: JSON(`{"steps":[]}`), PublishedVersion: &one}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("marshalling flow: %v", err)
	}
	for _, want := range []string{`"draft":{"steps":[]}`, `"published_version":1`, `"enabled":false`, `"created_at":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("flow JSON %s lacks %s", b, want)
		}
	}
	b, err = json.Marshal(Flow{})
	if err != nil || !strings.Contains(string(b), `"draft":null`) || !strings.Contains(string(b), `"published_version":null`) {
		t.Errorf("empty flow JSON = %s, %v", b, err)
	}
	var back Flow
	if err := json.Unmarshal([]byte(`{"draft":{"a":1}}`), &back); err != nil || string(back.Draft) != `{"a":1}` {
		t.Errorf("unmarshal draft = %s, %v", back.Draft, err)
	}
}
