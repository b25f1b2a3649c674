// Package blob keeps files that triggers receive (webhook uploads) until the
// steps of a run read them. Store is the interface an object store can
// implement; FS keeps blobs as files in the data dir.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotFound is returned for a key that names no blob, including keys that
// are not of the form Put returns.
var ErrNotFound = errors.New("blob not found")

// Meta is what the sender said about a blob. Stores may keep it (an object
// store as object metadata); readers never rely on it, since file references
// carry it too.
type Meta struct {
	Filename    string
	ContentType string
}

// Store keeps blobs under keys it chooses.
type Store interface {
	// Put stores the content of r under a new random key and returns it.
	Put(ctx context.Context, r io.Reader, meta Meta) (string, error)
	// Open opens the blob key; an unknown key is ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob key; deleting an unknown key is no error.
	Delete(ctx context.Context, key string) error
}

// keyBytes is the randomness of a key: 128 bits, hex encoded.
const keyBytes = 16

// FS is a Store of files in one directory, each readable by the owner
// only. Keys are random hex, so they never name a path outside Dir.
type FS struct {
	dir string
}

var _ Store = (*FS)(nil)

// NewFS returns a Store keeping blobs in dir, which it creates (mode 0700)
// when missing.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating blob directory: %w", err)
	}
	return &FS{dir: dir}, nil
}

// Put writes r to a temporary file and renames it to its key once
// complete, so a reader never sees a partial blob.
func (s *FS) Put(ctx context.Context, r io.Reader, _ Meta) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	key := hex.EncodeToString(b)
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("storing blob: %w", err)
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return "", fmt.Errorf("storing blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, key)); err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	return key, nil
}

// Open opens the blob key for reading.
func (s *FS) Open(_ context.Context, key string) (io.ReadCloser, error) {
	path, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening blob %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob %q: %w", key, err)
	}
	return f, nil
}

// Delete removes the blob key.
func (s *FS) Delete(_ context.Context, key string) error {
	path, err := s.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting blob %q: %w", key, err)
	}
	return nil
}

// path maps a key to its file, refusing anything that is not a key Put
// could have returned (so "../x" or "a/b" never reach the file system).
func (s *FS) path(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("opening blob %q: %w", key, ErrNotFound)
	}
	return filepath.Join(s.dir, key), nil
}

func validKey(key string) bool {
	if len(key) != 2*keyBytes {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
