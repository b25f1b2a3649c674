package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)

		sealed := []byte{0x00, 0x01, 0xfe, 0xff, 'x'} // arbitrary bytes, not text
		c, err := s.CreateCredential(ctx, "chat-token", "secret", sealed)
		if err != nil {
			t.Fatalf("CreateCredential: %v", err)
		}
		if len(c.ID) != idLength || c.Name != "chat-token" || c.Kind != "secret" || c.CreatedAt.IsZero() {
			t.Fatalf("CreateCredential = %+v", c)
		}
		if _, err := s.CreateCredential(ctx, "chat-token", "secret", []byte("other")); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate name: %v, want ErrConflict", err)
		}

		byID, err := s.GetCredential(ctx, c.ID)
		if err != nil || byID.Name != "chat-token" || string(byID.Sealed) != string(sealed) {
			t.Fatalf("GetCredential by id = %+v, %v", byID, err)
		}
		byName, err := s.GetCredential(ctx, "chat-token")
		if err != nil || byName.ID != c.ID || string(byName.Sealed) != string(sealed) {
			t.Fatalf("GetCredential by name = %+v, %v", byName, err)
		}
		if _, err := s.GetCredential(ctx, "missing"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetCredential missing: %v, want ErrNotFound", err)
		}

		// The sealed secret never appears in the JSON form.
		b, err := json.Marshal(byID)
		if err != nil {
			t.Fatalf("marshalling credential: %v", err)
		}
		if strings.Contains(string(b), "sealed") {
			t.Fatalf("credential JSON carries the sealed secret: %s", b)
		}

		d, err := s.CreateCredential(ctx, "api-key", "", []byte("k"))
		if err != nil {
			t.Fatalf("CreateCredential second: %v", err)
		}
		list, err := s.ListCredentials(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "api-key" || list[1].Name != "chat-token" {
			t.Fatalf("ListCredentials = %+v, %v", list, err)
		}

		if err := s.UpdateCredentialSecret(ctx, c.ID, []byte("rotated")); err != nil {
			t.Fatalf("UpdateCredentialSecret: %v", err)
		}
		got, err := s.GetCredential(ctx, c.ID)
		if err != nil || string(got.Sealed) != "rotated" || got.UpdatedAt.Before(c.UpdatedAt) {
			t.Fatalf("after UpdateCredentialSecret = %+v, %v", got, err)
		}
		if err := s.UpdateCredentialSecret(ctx, "missing", []byte("x")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("UpdateCredentialSecret missing: %v, want ErrNotFound", err)
		}

		if err := s.DeleteCredential(ctx, c.ID); err != nil {
			t.Fatalf("DeleteCredential: %v", err)
		}
		if _, err := s.GetCredential(ctx, "chat-token"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetCredential after delete: %v, want ErrNotFound", err)
		}
		if err := s.DeleteCredential(ctx, c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("DeleteCredential twice: %v, want ErrNotFound", err)
		}
		// The name is free again.
		if _, err := s.CreateCredential(ctx, "chat-token", "secret", []byte("new")); err != nil {
			t.Fatalf("re-creating a deleted name: %v", err)
		}
		if list, err := s.ListCredentials(ctx); err != nil || len(list) != 2 || list[0].ID != d.ID {
			t.Fatalf("ListCredentials at the end = %+v, %v", list, err)
		}
	})
}

// TestCredentialConflictMessage holds the wording of a taken name: one
// clause per fact, and still an ErrConflict for callers that map it.
func TestCredentialConflictMessage(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		if _, err := s.CreateCredential(ctx, "pw", "", []byte("x")); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateCredential(ctx, "pw", "", []byte("y"))
		if err == nil || err.Error() != `creating credential "pw": name already in use` || !errors.Is(err, ErrConflict) || !errors.Is(err, ErrNameTaken) {
			t.Fatalf("duplicate name err = %v", err)
		}
		if _, err := s.GetCredential(ctx, "ghost2"); err == nil || err.Error() != `getting credential "ghost2": not found` {
			t.Fatalf("missing credential err = %v", err)
		}
	})
}

// TestReplaceCredential: the kind and sealed value change, the id, name and
// created_at stay, updated_at moves on.
func TestReplaceCredential(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		c, err := s.CreateCredential(ctx, "pw", "", []byte("one"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ReplaceCredential(ctx, c.ID, "oauth2", []byte("two"), []byte("one"))
		if err != nil {
			t.Fatalf("ReplaceCredential: %v", err)
		}
		if got.ID != c.ID || got.Name != "pw" || got.Kind != "oauth2" || string(got.Sealed) != "two" ||
			!got.CreatedAt.Equal(c.CreatedAt) || got.UpdatedAt.Before(c.UpdatedAt) {
			t.Fatalf("replaced = %+v, was %+v", got, c)
		}
		read, err := s.GetCredential(ctx, "pw")
		if err != nil || string(read.Sealed) != "two" || !read.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("read back = %+v, %v", read, err)
		}
		if _, err := s.ReplaceCredential(ctx, "missing", "", []byte("x"), []byte("one")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ReplaceCredential missing: %v", err)
		}
	})
}

// TestReplaceCredentialStale: a value written between the caller's read
// and its replace (an OAuth2 token refresh) is not overwritten: the
// replace is ErrStale (an ErrConflict) and changes nothing; a replace
// against the fresh value succeeds.
func TestReplaceCredentialStale(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		c, err := s.CreateCredential(ctx, "crm", "oauth2", []byte("settings+token-1"))
		if err != nil {
			t.Fatal(err)
		}
		read, err := s.GetCredential(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The token provider refreshes after the read.
		if err := s.UpdateCredentialSecret(ctx, c.ID, []byte("settings+token-2")); err != nil {
			t.Fatal(err)
		}
		_, err = s.ReplaceCredential(ctx, c.ID, "oauth2", []byte("new-settings+token-1"), read.Sealed)
		if !errors.Is(err, ErrStale) || !errors.Is(err, ErrConflict) {
			t.Fatalf("stale ReplaceCredential: %v, want ErrStale", err)
		}
		now, err := s.GetCredential(ctx, c.ID)
		if err != nil || string(now.Sealed) != "settings+token-2" {
			t.Fatalf("after the stale replace = %q, %v; want the refreshed value kept", now.Sealed, err)
		}
		got, err := s.ReplaceCredential(ctx, c.ID, "oauth2", []byte("new-settings+token-2"), now.Sealed)
		if err != nil || string(got.Sealed) != "new-settings+token-2" {
			t.Fatalf("replace against the fresh value = %+v, %v", got, err)
		}
	})
}
