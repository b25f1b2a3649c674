package store

import (
	"testing"

	"github.com/flowline/flowline/flows"
)

// TestEveryTriggerWriteBumpsTheRevision checks each write path against the
// revision processes keep their trigger caches by: what triggers read
// (enabled flows, their published versions, the catalog) bumps its own
// number by one, in the write's transaction; what they do not read bumps
// nothing; a write that fails bumps nothing.
func TestEveryTriggerWriteBumpsTheRevision(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		rev := func() TriggerRevision {
			t.Helper()
			r, err := s.TriggerRevision(ctx)
			if err != nil {
				t.Fatalf("TriggerRevision: %v", err)
			}
			return r
		}
		// step runs write and checks that it moved the flows and catalog
		// numbers by the given amounts.
		step := func(name string, flowsBy, catalogBy int64, write func() error) {
			t.Helper()
			before := rev()
			if err := write(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			after := rev()
			if after.Flows-before.Flows != flowsBy || after.Catalog.Revision-before.Catalog.Revision != catalogBy {
				t.Errorf("%s: revision %+v → %+v; want flows +%d, catalog +%d", name, before, after, flowsBy, catalogBy)
			}
		}
		if r := rev(); r != (TriggerRevision{}) {
			t.Fatalf("revision of a new store = %+v, want zeros", r)
		}

		var f *Flow
		step("CreateFlow", 0, 0, func() (err error) { f, err = s.CreateFlow(ctx, "F", []byte(`{"v":0}`)); return err })
		step("UpdateDraft", 0, 0, func() error { _, err := s.UpdateDraft(ctx, f.ID, "G", []byte(`{"v":1}`)); return err })
		step("Publish", 1, 0, func() error { _, _, err := s.Publish(ctx, f.ID, []byte(`{"v":1}`)); return err })
		step("Publish again", 1, 0, func() error { _, _, err := s.Publish(ctx, f.ID, []byte(`{"v":2}`)); return err })
		step("SetEnabled false", 1, 0, func() error { _, err := s.SetEnabled(ctx, f.ID, false); return err })
		step("SetEnabled true", 1, 0, func() error { _, err := s.SetEnabled(ctx, f.ID, true); return err })
		step("DeleteFlow", 1, 0, func() error { return s.DeleteFlow(ctx, f.ID) })

		et := flows.EventType{Name: "order.created", Category: flows.CategoryEvent}
		step("CreateEventType", 0, 1, func() error { _, err := s.CreateEventType(ctx, et); return err })
		et.Title = "Order created"
		step("ReplaceEventType", 0, 1, func() error { _, err := s.ReplaceEventType(ctx, et); return err })
		et.Title = "Order made"
		step("ImportEventTypes, a change", 0, 1, func() error { _, err := s.ImportEventTypes(ctx, []flows.EventType{et}); return err })
		step("ImportEventTypes, no change", 0, 0, func() error { _, err := s.ImportEventTypes(ctx, []flows.EventType{et}); return err })
		step("DeleteEventType", 0, 1, func() error { return s.DeleteEventType(ctx, et.Name) })

		// Failed writes leave the revision alone.
		step("failed writes", 0, 0, func() error {
			missing := NewID()
			if _, _, err := s.Publish(ctx, missing, []byte(`{}`)); err == nil {
				t.Error("Publish of a missing flow succeeded")
			}
			if _, err := s.SetEnabled(ctx, missing, false); err == nil {
				t.Error("SetEnabled of a missing flow succeeded")
			}
			if err := s.DeleteFlow(ctx, missing); err == nil {
				t.Error("DeleteFlow of a missing flow succeeded")
			}
			never, err := s.CreateFlow(ctx, "never published", []byte(`{}`))
			if err != nil {
				return err
			}
			if _, err := s.SetEnabled(ctx, never.ID, true); err == nil {
				t.Error("enabling a flow never published succeeded")
			}
			if err := s.DeleteEventType(ctx, "nope"); err == nil {
				t.Error("DeleteEventType of a missing type succeeded")
			}
			return nil
		})
	})
}

// TestListEnabledVersions checks the one query a trigger cache loads
// flows with: the newest version of each enabled flow, oldest flow first,
// and nothing of disabled or unpublished flows.
func TestListEnabledVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		publish := func(name string, docs ...string) *Flow {
			t.Helper()
			f, err := s.CreateFlow(ctx, name, []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if _, _, err := s.Publish(ctx, f.ID, []byte(d)); err != nil {
					t.Fatal(err)
				}
			}
			return f
		}
		a := publish("a", `{"a":1}`, `{"a":2}`, `{"a":3}`)
		b := publish("b", `{"b":1}`)
		c := publish("c", `{"c":1}`, `{"c":2}`)
		publish("never published")
		if _, err := s.SetEnabled(ctx, b.ID, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListEnabledVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id  string
			ver int
			doc string
		}{{a.ID, 3, `{"a":3}`}, {c.ID, 2, `{"c":2}`}}
		if len(got) != len(want) {
			t.Fatalf("ListEnabledVersions = %d versions, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			if got[i].FlowID != w.id || got[i].Version != w.ver || string(got[i].Document) != w.doc {
				t.Errorf("version %d = %s v%d %s, want %s v%d %s", i, got[i].FlowID, got[i].Version, got[i].Document, w.id, w.ver, w.doc)
			}
		}
	})
}

// TestRevisionRowFromBeforeFlowsRevision opens a store whose revision row
// predates the flows number (the column dropped again): migrating adds it
// as 0 and keeps the catalog's number.
func TestRevisionRowFromBeforeFlowsRevision(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		for _, name := range []string{"a.b", "c.d"} {
			if _, err := s.CreateEventType(ctx, flows.EventType{Name: name, Category: flows.CategoryEvent}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.WithContext(ctx).Exec("ALTER TABLE catalog_revision DROP COLUMN flows_revision").Error; err != nil {
			t.Fatalf("dropping the column: %v", err)
		}
		reopened := openStore(t, databaseURL)
		got, err := reopened.TriggerRevision(ctx)
		if err != nil || got != (TriggerRevision{Catalog: CatalogFingerprint{Revision: 2}}) {
			t.Fatalf("TriggerRevision after migrating = %+v, %v; want catalog 2, flows 0", got, err)
		}
		f, err := reopened.CreateFlow(ctx, "F", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := reopened.Publish(ctx, f.ID, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if got, _ := reopened.TriggerRevision(ctx); got.Flows != 1 {
			t.Fatalf("flows revision after a publish = %d, want 1", got.Flows)
		}
	})
}
