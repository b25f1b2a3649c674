// Package secrets seals credential secrets at rest with AES-256-GCM, loads
// or generates the key that seals them, and resolves a stored credential's
// secret for the connectors.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/internal/store"
)

// KeySize is the length of a sealing key in bytes (AES-256).
const KeySize = 32

// KeyFile is the name of the generated key file inside the data dir.
const KeyFile = "secret.key"

// version1 marks a sealed value as AES-256-GCM with a 12-byte random nonce.
// It comes first so that a later scheme can be told apart and rotated in.
const version1 byte = 1

const nonceSize = 12

// ErrOpen reports that a sealed value could not be opened: it was sealed
// under another key, altered, or is not a sealed value at all. Errors
// wrapping it say which, after it.
var ErrOpen = errors.New("sealed value cannot be opened")

// Sealer seals and opens secrets with one AES-256-GCM key. It is safe for
// concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer over a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("creating sealer: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("creating sealer: %w", err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, fmt.Errorf("creating sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext as version byte, random nonce, then ciphertext
// with its tag. The version byte is authenticated as additional data.
func (s *Sealer) Seal(plaintext []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+s.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("sealing secret: reading nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plaintext, out[:1]), nil
}

// Open decrypts a value made by Seal. Any failure wraps ErrOpen; errors
// never carry any part of the value.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrOpen)
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("%w: unknown version %d", ErrOpen, sealed[0])
	}
	plain, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], sealed[:1])
	if err != nil {
		return nil, fmt.Errorf("%w: wrong key or altered value", ErrOpen)
	}
	return plain, nil
}

// LoadKey returns the sealing key. A configured key (FLOWLINE_SECRET_KEY) is
// base64, standard or raw, of 32 bytes. Without one, the key is read from
// <dataDir>/secret.key, or generated into it (mode 0600, the dir 0700) on
// first use, so that credentials stay readable across restarts.
func LoadKey(configured string, dataDir string) ([]byte, error) {
	if configured = strings.TrimSpace(configured); configured != "" {
		key, err := decodeKey(configured)
		if err != nil {
			return nil, fmt.Errorf("FLOWLINE_SECRET_KEY (--secret-key) is invalid: %w", err)
		}
		return key, nil
	}
	if dataDir == "" {
		return nil, errors.New("loading secret key: FLOWLINE_SECRET_KEY is unset and there is no data dir to keep a generated key in")
	}
	path := filepath.Join(dataDir, KeyFile)
	if key, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir for the secret key: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating secret key: %w", err)
	}
	// O_EXCL: when two processes race, one creates the file and the
	// other reads what it wrote, so both use the same key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("creating secret key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if serr := f.Sync(); werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("writing secret key file %s: %w", path, werr)
	}
	return key, nil
}

// readKeyFile reads and decodes a key file; a missing file is fs.ErrNotExist.
func readKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading secret key file: %w", err)
	}
	key, err := decodeKey(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s is invalid (restore it from a backup, or set FLOWLINE_SECRET_KEY): %w", path, err)
	}
	return key, nil
}

// decodeKey decodes standard or raw base64 of exactly KeySize bytes. The
// error never repeats the input.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, fmt.Errorf("key is not valid base64 (want %d random bytes, e.g. from `openssl rand -base64 32`)", KeySize)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("key decodes to %d bytes, want %d (e.g. from `openssl rand -base64 32`)", len(key), KeySize)
	}
	return key, nil
}

// Resolver gives connectors the secret of a stored credential, by id or
// name. It implements the HTTP connector's SecretResolver.
type Resolver struct {
	// Store holds the sealed credentials.
	Store *store.Store
	// Sealer opens them.
	Sealer *Sealer
}

// Secret returns the plaintext secret of the credential ref (for an oauth2
// credential, its client secret). An unknown
// credential, or one that cannot be opened with this key, is a permanent
// error: retrying cannot help. Errors name ref once (callers add no name
// of their own), never the secret.
func (r *Resolver) Secret(ctx context.Context, ref string) (string, error) {
	c, err := r.Store.GetCredential(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return "", connectors.NewPermanent(fmt.Errorf("credential %q %w", ref, store.ErrNotFound))
	}
	if err != nil {
		return "", err // the store's error names the credential
	}
	if c.Kind == KindOAuth2 {
		// An oauth2 credential's secret, for the connector, is its client
		// secret; its tokens are the token provider's business.
		v, err := r.Sealer.OpenOAuth2(c.Sealed)
		if err != nil {
			return "", connectors.NewPermanent(fmt.Errorf("credential %q: %w", ref, err))
		}
		return v.ClientSecret, nil
	}
	plain, err := r.Sealer.Open(c.Sealed)
	if err != nil {
		return "", connectors.NewPermanent(fmt.Errorf("credential %q: %w", ref, err))
	}
	return string(plain), nil
}
