package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/flowline/flowline/internal/store"
)

// cacheOf is the trigger cache of a server of its own over e's store, and
// a way to read the store's revision, so that a test can interleave
// callers' revision reads, writes and loads in a chosen order.
func cacheOf(t *testing.T, e *env) (*server, func() store.TriggerRevision) {
	t.Helper()
	s := &server{store: e.store}
	return s, func() store.TriggerRevision {
		t.Helper()
		rev, err := e.store.TriggerRevision(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
}

// TestTriggerCacheReusedHalfIsNotNewer drives two callers through the
// order that once served stale data: caller A reads a revision, a write
// commits, caller B reads the newer revision, then A loads — reusing the
// previous snapshot's unchanged half — and B must still see the write,
// although A's load began after B's revision read. Flows and catalog, each
// as the reused half.
func TestTriggerCacheReusedHalfIsNotNewer(t *testing.T) {
	ctx := context.Background()
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		t.Run("flows reused", func(t *testing.T) {
			e := apiOn(t, databaseURL)
			id := e.publishedFlow(eventFlowDoc("tick"))
			s, revision := cacheOf(t, e)
			if _, err := s.triggersAt(ctx, revision()); err != nil { // S0
				t.Fatal(err)
			}
			e.do("POST", "/api/v1/event-types", `{"name": "tick", "schema": {"type": "object"}}`).want(t, http.StatusCreated)
			revA := revision() // the catalog moved, the flows did not
			e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)
			revB := revision()
			if _, err := s.triggersAt(ctx, revA); err != nil { // reuses S0's flows
				t.Fatal(err)
			}
			snap, err := s.triggersAt(ctx, revB)
			if err != nil {
				t.Fatal(err)
			}
			if snap.byID[id] != nil {
				t.Fatalf("a caller that read revision %+v after the disable sees the flow enabled (snapshot at %+v)", revB, snap.rev)
			}
		})
		t.Run("catalog reused", func(t *testing.T) {
			e := apiOn(t, databaseURL)
			s, revision := cacheOf(t, e)
			if _, err := s.triggersAt(ctx, revision()); err != nil { // S0
				t.Fatal(err)
			}
			e.publishedFlow(eventFlowDoc("tock"))
			revA := revision() // the flows moved, the catalog did not
			e.do("POST", "/api/v1/event-types", `{"name": "tock", "schema": {"type": "object"}}`).want(t, http.StatusCreated)
			revB := revision()
			if _, err := s.triggersAt(ctx, revA); err != nil { // reuses S0's catalog
				t.Fatal(err)
			}
			snap, err := s.triggersAt(ctx, revB)
			if err != nil {
				t.Fatal(err)
			}
			if snap.catalog.Lookup("tock") == nil {
				t.Fatalf("a caller that read revision %+v after the type was declared does not see it (snapshot at %+v)", revB, snap.rev)
			}
		})
	})
}
