package secrets

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/internal/store"
)

// TestLoadSealerRefusesALostKey: with credentials sealed under the data
// dir's generated key, deleting or replacing that key file, or configuring
// another key, refuses to start naming the file and what to do; the key
// that sealed them still works, and a store without credentials lets a
// new key be generated.
func TestLoadSealerRefusesALostKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:///"+filepath.Join(dir, "flowline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	first, err := LoadSealer(ctx, "", dir, st)
	if err != nil {
		t.Fatalf("first start, empty store: %v", err)
	}
	sealed, err := first.Seal([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCredential(ctx, "chat-token", "", sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSealer(ctx, "", dir, st); err != nil {
		t.Fatalf("restart with the key file: %v", err)
	}

	keyPath := filepath.Join(dir, KeyFile)
	saved, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSealer(ctx, "", dir, st)
	if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), keyPath+" is missing") ||
		!strings.Contains(err.Error(), "1 credential") || !strings.Contains(err.Error(), "restore the key file from a backup") {
		t.Fatalf("deleted key file: err = %v", err)
	}
	if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
		t.Fatalf("a key file was generated next to sealed credentials: %v", err)
	}

	other := base64.StdEncoding.EncodeToString(newKey(t))
	_, err = LoadSealer(ctx, other, dir, st)
	if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), "FLOWLINE_SECRET_KEY (--secret-key) cannot open credential \"chat-token\"") {
		t.Fatalf("another configured key: err = %v", err)
	}
	if err := os.WriteFile(keyPath, []byte(other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSealer(ctx, "", dir, st)
	if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), "the key in "+keyPath) {
		t.Fatalf("replaced key file: err = %v", err)
	}

	if err := os.WriteFile(keyPath, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSealer(ctx, "", dir, st)
	if err != nil {
		t.Fatalf("restored key file: %v", err)
	}
	if got, err := s.Open(sealed); err != nil || string(got) != plain {
		t.Fatalf("restored key opens %q, %v", got, err)
	}
	if _, err := LoadSealer(ctx, strings.TrimSpace(string(saved)), t.TempDir(), st); err != nil {
		t.Fatalf("the same key, configured: %v", err)
	}
}

// TestLoadKeyErrorsNameTheSetting: a bad configured key names its variable
// and flag, a corrupt key file names the file.
func TestLoadKeyErrorsNameTheSetting(t *testing.T) {
	_, err := LoadKey(base64.StdEncoding.EncodeToString([]byte("short")), "")
	if err == nil || !strings.Contains(err.Error(), "FLOWLINE_SECRET_KEY (--secret-key) is invalid: key decodes to 5 bytes, want 32") {
		t.Fatalf("short key: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(path, []byte("not base64 at all!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", dir); err == nil || !strings.Contains(err.Error(), "secret key file "+path+" is invalid") {
		t.Fatalf("corrupt key file: %v", err)
	}
}
