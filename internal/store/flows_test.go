package store

import (
	"errors"
	"slices"
	"testing"
)

func TestFlowCRUD(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)

		draft := []byte(`{"name":"Sync","trigger":{"type":"manual"},"steps":[]}`)
		f, err := s.CreateFlow(ctx, "Sync", draft)
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}
		if len(f.ID) != idLength || f.Name != "Sync" || string(f.Draft) != string(draft) {
			t.Fatalf("CreateFlow = %+v", f)
		}
		if f.PublishedVersion != nil || f.Enabled {
			t.Fatalf("new flow is published or enabled: %+v", f)
		}
		if f.CreatedAt.IsZero() || !f.UpdatedAt.Equal(f.CreatedAt) {
			t.Fatalf("timestamps: created %v updated %v", f.CreatedAt, f.UpdatedAt)
		}

		got, err := s.GetFlow(ctx, f.ID)
		if err != nil {
			t.Fatalf("GetFlow: %v", err)
		}
		if got.ID != f.ID || got.Name != f.Name || string(got.Draft) != string(draft) ||
			!got.CreatedAt.Equal(f.CreatedAt) || got.PublishedVersion != nil || got.Enabled {
			t.Fatalf("GetFlow = %+v, want %+v", got, f)
		}

		g, err := s.CreateFlow(ctx, "Second", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow second: %v", err)
		}
		list, err := s.ListFlows(ctx)
		if err != nil {
			t.Fatalf("ListFlows: %v", err)
		}
		if len(list) != 2 {
			t.Fatalf("ListFlows returned %d flows, want 2", len(list))
		}
		ids := []string{list[0].ID, list[1].ID}
		if !slices.Contains(ids, f.ID) || !slices.Contains(ids, g.ID) {
			t.Fatalf("ListFlows ids %v, want %s and %s", ids, f.ID, g.ID)
		}
		if list[0].CreatedAt.After(list[1].CreatedAt) ||
			(list[0].CreatedAt.Equal(list[1].CreatedAt) && list[0].ID > list[1].ID) {
			t.Fatalf("ListFlows not ordered by created_at, id: %+v", list)
		}

		newDraft := []byte(`{"name":"Renamed","steps":[1]}`)
		upd, err := s.UpdateDraft(ctx, f.ID, "Renamed", newDraft)
		if err != nil {
			t.Fatalf("UpdateDraft: %v", err)
		}
		if upd.Name != "Renamed" || string(upd.Draft) != string(newDraft) || !upd.CreatedAt.Equal(f.CreatedAt) {
			t.Fatalf("UpdateDraft = %+v", upd)
		}
		if upd.UpdatedAt.Before(f.UpdatedAt) {
			t.Fatalf("updated_at went back: %v < %v", upd.UpdatedAt, f.UpdatedAt)
		}
		got, err = s.GetFlow(ctx, f.ID)
		if err != nil || got.Name != "Renamed" || string(got.Draft) != string(newDraft) {
			t.Fatalf("GetFlow after update = %+v, %v", got, err)
		}

		if err := s.DeleteFlow(ctx, f.ID); err != nil {
			t.Fatalf("DeleteFlow: %v", err)
		}
		if _, err := s.GetFlow(ctx, f.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetFlow after delete: %v, want ErrNotFound", err)
		}
		list, err = s.ListFlows(ctx)
		if err != nil || len(list) != 1 || list[0].ID != g.ID {
			t.Fatalf("ListFlows after delete = %+v, %v", list, err)
		}
	})
}

func TestFlowNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		const missing = "nosuchflow00"
		checks := map[string]error{}
		_, checks["GetFlow"] = s.GetFlow(ctx, missing)
		_, checks["UpdateDraft"] = s.UpdateDraft(ctx, missing, "x", []byte(`{}`))
		checks["DeleteFlow"] = s.DeleteFlow(ctx, missing)
		_, _, checks["Publish"] = s.Publish(ctx, missing, []byte(`{}`))
		_, checks["SetEnabled"] = s.SetEnabled(ctx, missing, false)
		_, checks["ListVersions"] = s.ListVersions(ctx, missing)
		_, checks["GetVersion"] = s.GetVersion(ctx, missing, 1)
		_, checks["LatestVersion"] = s.LatestVersion(ctx, missing)
		for name, err := range checks {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		// Nothing was created on the way.
		if list, err := s.ListFlows(ctx); err != nil || len(list) != 0 {
			t.Errorf("ListFlows = %v, %v; want none", list, err)
		}
	})
}

func TestSetEnabled(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		f, err := s.CreateFlow(ctx, "F", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}
		if _, err := s.SetEnabled(ctx, f.ID, true); !errors.Is(err, ErrNotPublished) || !errors.Is(err, ErrConflict) {
			t.Fatalf("enabling an unpublished flow: %v, want ErrNotPublished (an ErrConflict)", err)
		}
		if got, err := s.SetEnabled(ctx, f.ID, false); err != nil || got.Enabled {
			t.Fatalf("disabling an unpublished flow = %+v, %v", got, err)
		}
		if _, _, err := s.Publish(ctx, f.ID, []byte(`{"v":1}`)); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		other, err := s.CreateFlow(ctx, "Draft only", []byte(`{}`))
		if err != nil {
			t.Fatalf("CreateFlow: %v", err)
		}

		enabled, err := s.ListEnabledFlows(ctx)
		if err != nil || len(enabled) != 1 || enabled[0].ID != f.ID {
			t.Fatalf("ListEnabledFlows = %+v, %v; want only %s", enabled, err, f.ID)
		}

		got, err := s.SetEnabled(ctx, f.ID, false)
		if err != nil || got.Enabled || got.PublishedVersion == nil || *got.PublishedVersion != 1 {
			t.Fatalf("SetEnabled(false) = %+v, %v", got, err)
		}
		if enabled, err := s.ListEnabledFlows(ctx); err != nil || len(enabled) != 0 {
			t.Fatalf("ListEnabledFlows after disable = %+v, %v", enabled, err)
		}
		if got, err := s.GetFlow(ctx, f.ID); err != nil || got.Enabled {
			t.Fatalf("GetFlow after disable = %+v, %v", got, err)
		}

		got, err = s.SetEnabled(ctx, f.ID, true)
		if err != nil || !got.Enabled {
			t.Fatalf("SetEnabled(true) = %+v, %v", got, err)
		}
		if _, err := s.SetEnabled(ctx, other.ID, true); !errors.Is(err, ErrNotPublished) {
			t.Fatalf("enabling the draft-only flow: %v, want ErrNotPublished", err)
		}
	})
}
