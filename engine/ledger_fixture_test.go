package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// sqliteStore opens a store on a fresh SQLite file, closed at the end of
// the test.
func sqliteStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:///"+filepath.ToSlash(filepath.Join(t.TempDir(), "flows.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// publishFlow creates a flow named name from docJSON in st, publishes it
// as version 1 and returns its id.
func publishFlow(t *testing.T, st *store.Store, name, docJSON string) string {
	t.Helper()
	ctx := context.Background()
	f, err := st.CreateFlow(ctx, name, []byte(docJSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Publish(ctx, f.ID, []byte(docJSON)); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// parseDoc parses a flow document the test wrote.
func parseDoc(t *testing.T, docJSON string) *flows.Document {
	t.Helper()
	doc, err := flows.ParseDocument([]byte(docJSON))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
