package blob

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFSPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.Put(ctx, strings.NewReader("hello"), Meta{Filename: "a.txt", ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.Put(ctx, strings.NewReader("world"), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if k1 == k2 || !validKey(k1) {
		t.Fatalf("keys %q and %q", k1, k2)
	}
	info, err := os.Stat(filepath.Join(dir, k1))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("blob mode %v, want 0600", info.Mode().Perm())
	}
	rc, err := s.Open(ctx, k1)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "hello" {
		t.Errorf("read %q", data)
	}
	if err := s.Delete(ctx, k1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, k1); !errors.Is(err, ErrNotFound) {
		t.Errorf("open after delete: %v", err)
	}
	if err := s.Delete(ctx, k1); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files left in the blob dir, want 1 (no temporary files)", len(entries))
	}
}

func TestFSRefusesPathsThatAreNotKeys(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewFS(filepath.Join(root, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../secret", "..", "/etc/passwd", "a/b", strings.Repeat("A", 32), strings.Repeat("a", 31) + "/"} {
		if _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) = %v", key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "secret")); err != nil {
		t.Errorf("a file outside the blob dir was touched: %v", err)
	}
}
