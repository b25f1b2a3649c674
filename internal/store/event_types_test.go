package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flowline/flowline/flows"
)

func TestEventTypes(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)

		empty, err := s.EventTypesFingerprint(ctx)
		if err != nil || empty.Revision != 0 {
			t.Fatalf("fingerprint of an empty catalog = %+v, %v", empty, err)
		}
		host := flows.EventType{Name: "host.connection_lost", Title: "Lost", Category: flows.CategoryAlarm,
			Schema:   json.RawMessage(`{"type": "object", "properties": {"host": {"type": "string"}}}`),
			Example:  json.RawMessage(`{"host": "db-1"}`),
			Messages: flows.Messages{{Language: "zh-CN", Template: "主机 {{ host }}"}, {Language: "en", Template: "Host {{ host }}"}}}
		r, err := s.CreateEventType(ctx, host)
		if err != nil || r.CreatedAt.IsZero() {
			t.Fatalf("CreateEventType = %+v, %v", r, err)
		}
		if _, err := s.CreateEventType(ctx, host); !errors.Is(err, ErrConflict) || err.Error() != `creating event type "host.connection_lost": already declared` {
			t.Fatalf("second create: %v, want ErrConflict", err)
		}
		order := flows.EventType{Name: "order.created", Category: flows.CategoryEvent}
		if _, err := s.CreateEventType(ctx, order); err != nil {
			t.Fatal(err)
		}

		got, err := s.GetEventType(ctx, "host.connection_lost")
		if err != nil {
			t.Fatal(err)
		}
		et, err := got.EventType()
		if err != nil || et.Title != "Lost" || len(et.Messages) != 2 || et.Messages[0].Language != "zh-CN" || et.Messages[1].Template != "Host {{ host }}" {
			t.Fatalf("read back %+v, %v: messages or their order lost", et, err)
		}
		if _, err := s.GetEventType(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetEventType missing: %v", err)
		}
		if o, _ := s.GetEventType(ctx, "order.created"); o.Schema != nil || o.Messages != nil {
			t.Fatalf("absent schema/messages stored as %q %q", o.Schema, o.Messages)
		}

		all, err := s.ListEventTypes(ctx, "")
		if err != nil || len(all) != 2 || all[0].Name != "host.connection_lost" {
			t.Fatalf("ListEventTypes = %+v, %v", all, err)
		}
		alarms, err := s.ListEventTypes(ctx, flows.CategoryAlarm)
		if err != nil || len(alarms) != 1 || alarms[0].Name != "host.connection_lost" {
			t.Fatalf("alarms = %+v, %v", alarms, err)
		}

		before, _ := s.EventTypesFingerprint(ctx)
		host.Title, host.Messages, host.Schema = "Connection lost", nil, nil
		replaced, err := s.ReplaceEventType(ctx, host)
		if err != nil || replaced.Title != "Connection lost" || replaced.Messages != nil || replaced.Schema != nil || !replaced.CreatedAt.Equal(r.CreatedAt) {
			t.Fatalf("ReplaceEventType = %+v, %v", replaced, err)
		}
		after, _ := s.EventTypesFingerprint(ctx)
		if after.Revision != before.Revision+1 {
			t.Fatalf("fingerprint %+v unchanged by a replace (%+v)", after, before)
		}
		if _, err := s.ReplaceEventType(ctx, flows.EventType{Name: "nope", Category: "event"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("replacing a missing type: %v", err)
		}

		if err := s.DeleteEventType(ctx, "order.created"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEventType(ctx, "order.created"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if fp, _ := s.EventTypesFingerprint(ctx); fp.Revision != after.Revision+1 {
			t.Fatalf("fingerprint after delete %+v, want revision %d", fp, after.Revision+1)
		}
	})
}

func TestImportEventTypes(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		if _, err := s.CreateEventType(ctx, flows.EventType{Name: "kept.alone", Category: "event"}); err != nil {
			t.Fatal(err)
		}
		types := []flows.EventType{
			{Name: "a.one", Category: "event", Schema: json.RawMessage(`{"type": "object", "required": ["x"]}`)},
			{Name: "a.two", Category: "alarm", Messages: flows.Messages{{Language: "en", Template: "hi"}}},
		}
		changes, err := s.ImportEventTypes(ctx, types)
		if err != nil || len(changes) != 2 || changes[0] != (ImportChange{"a.one", ImportCreated}) || changes[1].Change != ImportCreated {
			t.Fatalf("first import %+v, %v", changes, err)
		}
		fp, _ := s.EventTypesFingerprint(ctx)
		// The same types, written differently, change nothing.
		types[0].Schema = json.RawMessage(`{"required":["x"],"type":"object"}`)
		changes, err = s.ImportEventTypes(ctx, types)
		if err != nil || changes[0].Change != ImportUnchanged || changes[1].Change != ImportUnchanged {
			t.Fatalf("second import %+v, %v", changes, err)
		}
		if again, _ := s.EventTypesFingerprint(ctx); again != fp {
			t.Fatalf("an unchanged import touched the catalog: %+v then %+v", fp, again)
		}
		types[1].Messages = flows.Messages{{Language: "en", Template: "hello"}}
		changes, err = s.ImportEventTypes(ctx, types)
		if err != nil || changes[0].Change != ImportUnchanged || changes[1].Change != ImportUpdated {
			t.Fatalf("third import %+v, %v", changes, err)
		}
		got, _ := s.GetEventType(ctx, "a.two")
		if et, _ := got.EventType(); et.Messages[0].Template != "hello" {
			t.Fatalf("update not stored: %+v", et)
		}
		if all, _ := s.ListEventTypes(ctx, ""); len(all) != 3 {
			t.Fatalf("import removed or added the wrong types: %+v", all)
		}
	})
}

// TestCatalogFingerprintIgnoresClocks: a type written by a host whose clock
// was ahead holds the latest update time; a replace, delete-and-create or
// import from a host whose clock is behind must still change the
// fingerprint, and a failed write or an unchanged import must not.
func TestCatalogFingerprintIgnoresClocks(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		for _, name := range []string{"a.one", "a.two", "b.ahead"} {
			if _, err := s.CreateEventType(ctx, flows.EventType{Name: name, Category: "event"}); err != nil {
				t.Fatal(err)
			}
		}
		ahead := time.Now().Add(24 * time.Hour)
		if err := s.db.WithContext(ctx).Model(&EventTypeRecord{}).Where("name = ?", "b.ahead").Update("updated_at", ahead).Error; err != nil {
			t.Fatal(err)
		}
		fp := func() CatalogFingerprint {
			t.Helper()
			got, err := s.EventTypesFingerprint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		changes := []struct {
			what  string
			write func() error
		}{
			{"replace", func() error {
				_, err := s.ReplaceEventType(ctx, flows.EventType{Name: "a.one", Title: "One", Category: "event"})
				return err
			}},
			{"delete then create", func() error {
				if err := s.DeleteEventType(ctx, "a.two"); err != nil {
					return err
				}
				_, err := s.CreateEventType(ctx, flows.EventType{Name: "a.three", Category: "event"})
				return err
			}},
			{"import", func() error {
				_, err := s.ImportEventTypes(ctx, []flows.EventType{{Name: "a.one", Title: "Uno", Category: "event"}})
				return err
			}},
		}
		for _, ch := range changes {
			before := fp()
			if err := ch.write(); err != nil {
				t.Fatalf("%s: %v", ch.what, err)
			}
			if after := fp(); after == before {
				t.Errorf("%s left the fingerprint at %+v", ch.what, after)
			}
		}
		before := fp()
		if err := s.DeleteEventType(ctx, "a.two"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleting a missing type: %v", err)
		}
		if _, err := s.CreateEventType(ctx, flows.EventType{Name: "a.one", Category: "event"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate create: %v", err)
		}
		if _, err := s.ImportEventTypes(ctx, []flows.EventType{{Name: "a.one", Title: "Uno", Category: "event"}}); err != nil {
			t.Fatal(err)
		}
		if after := fp(); after != before {
			t.Errorf("failed writes moved the fingerprint from %+v to %+v", before, after)
		}
	})
}
