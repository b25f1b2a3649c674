package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/internal/store"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := NewSealer(newKey(t))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

const plain = "tok-very-secret-123"

func TestSealOpenRoundTrip(t *testing.T) {
	s := newSealer(t)
	a, err := s.Seal([]byte(plain))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	b, err := s.Seal([]byte(plain))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if bytes.Equal(a, b) {
		t.Error("two seals of one plaintext are equal; the nonce is not random")
	}
	if a[0] != version1 || bytes.Contains(a, []byte(plain)) {
		t.Errorf("sealed value %x has the wrong version or holds the plaintext", a)
	}
	got, err := s.Open(a)
	if err != nil || string(got) != plain {
		t.Fatalf("Open = %q, %v; want %q", got, err, plain)
	}
	empty, _ := s.Seal(nil)
	if got, err := s.Open(empty); err != nil || len(got) != 0 {
		t.Errorf("Open(Seal(nil)) = %q, %v", got, err)
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	s := newSealer(t)
	sealed, _ := s.Seal([]byte(plain))
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := s.Open(bad); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipping byte %d: Open err = %v, want ErrOpen", i, err)
		}
	}
	for _, bad := range [][]byte{nil, sealed[:5], sealed[:len(sealed)-1]} {
		if _, err := s.Open(bad); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%d bytes) err = %v, want ErrOpen", len(bad), err)
		}
	}
}

func TestOpenWrongKey(t *testing.T) {
	sealed, _ := newSealer(t).Seal([]byte(plain))
	_, err := newSealer(t).Open(sealed)
	if !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another key: err = %v, want ErrOpen", err)
	}
	if strings.Contains(err.Error(), plain) {
		t.Errorf("error %q holds the plaintext", err)
	}
}

func TestNewSealerKeySize(t *testing.T) {
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Error("NewSealer accepted a 16-byte key")
	}
}

func TestLoadKeyGeneratesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, err := LoadKey("", dir)
	if err != nil {
		t.Fatalf("LoadKey: %v", err)
	}
	if len(k1) != KeySize {
		t.Fatalf("key is %d bytes", len(k1))
	}
	k2, err := LoadKey("", dir)
	if err != nil {
		t.Fatalf("second LoadKey: %v", err)
	}
	if !bytes.Equal(k1, k2) {
		t.Error("second LoadKey returned another key")
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", di.Mode().Perm())
	}
}

func TestLoadKeyConfigured(t *testing.T) {
	key := newKey(t)
	dir := t.TempDir()
	for _, enc := range []string{base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key)} {
		got, err := LoadKey(enc, dir)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("LoadKey(%q) = %x, %v", enc, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a configured key wrote a key file: %v", err)
	}
	for _, bad := range []string{"not base64 !!", base64.StdEncoding.EncodeToString(key[:16])} {
		_, err := LoadKey(bad, dir)
		if err == nil || !strings.Contains(err.Error(), "FLOWLINE_SECRET_KEY") {
			t.Errorf("LoadKey(%q) err = %v, want one naming FLOWLINE_SECRET_KEY", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("error %q repeats the key", err)
		}
	}
}

func TestResolver(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "flows.db"))
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := newSealer(t)
	sealed, _ := s.Seal([]byte(plain))
	c, err := st.CreateCredential(ctx, "chat-token", "", sealed)
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Store: st, Sealer: s}
	for _, ref := range []string{"chat-token", c.ID} {
		got, err := r.Secret(ctx, ref)
		if err != nil || got != plain {
			t.Errorf("Secret(%q) = %q, %v", ref, got, err)
		}
	}
	_, err = r.Secret(ctx, "nope")
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Kind != connectors.Permanent || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Secret(unknown) err = %v, want a permanent error naming it", err)
	}
	other := &Resolver{Store: st, Sealer: newSealer(t)}
	_, err = other.Secret(ctx, "chat-token")
	if !errors.Is(err, ErrOpen) || strings.Contains(err.Error(), plain) || !strings.Contains(err.Error(), "chat-token") {
		t.Errorf("Secret with the wrong key err = %v", err)
	}
}

// TestResolverMessagesSayEachFactOnce holds the wording of the errors a
// step shows when its credential is missing or unreadable: the name once,
// the fact once, no sentinel text trailing after it.
func TestResolverMessagesSayEachFactOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "flows.db"))
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := newSealer(t)
	sealed, _ := s.Seal([]byte(plain))
	if _, err := st.CreateCredential(ctx, "pw", "", sealed); err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Store: st, Sealer: s}
	if _, err := r.Secret(ctx, "ghost2"); err == nil || err.Error() != `credential "ghost2" not found` || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Secret(unknown) err = %v, want exactly credential \"ghost2\" not found (and ErrNotFound)", err)
	}
	other := &Resolver{Store: st, Sealer: newSealer(t)}
	if _, err := other.Secret(ctx, "pw"); err == nil || err.Error() != `credential "pw": sealed value cannot be opened: wrong key or altered value` {
		t.Errorf("Secret with the wrong key err = %v", err)
	}
}
